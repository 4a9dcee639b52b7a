"""Hand-written text bank for the rxmatch synthetic evaluation set.

Everything here is invented for the synthetic data set (CC0). It is imported by
``make_synthetic.py``; nothing here is random.

* SUBTOPICS: the ~57 latent "activity" labels, each with its true category,
  natural tags, several resource-name templates and several hand-written
  description fragments in different registers (terse listing, warm newsletter,
  agency/bureaucratic, volunteer-recruiting), optional Spanish fragments, and
  generation hints (venue types, session times, cost, ages, online share,
  outreach radius, abundance per region).
* RELATED: hand-written relatedness groups between subtopics (grade-2 labels).
* NEEDS: what people say (their own words) per subtopic and per broader need,
  in English and (where written) Spanish, with the target/related subtopics.
* BARRIERS and other clauses used to build ``what_matters`` texts.

Placeholders in description/name fragments: {place} (neighborhood or town),
{venue}, {city}, {day}.
"""

CATEGORIES = [
    "arts_culture",
    "nature_outdoors",
    "volunteering",
    "community_social",
    "movement_sport",
    "learning_skills",
    "support_wellbeing",
    "essentials_advice",
]

# Lenient spellings used for a few messy records (the schema accepts lenient names).
LENIENT_CATEGORY = {
    "arts_culture": ["Arts and Culture", "Arts & Culture", "arts", "ARTS_CULTURE"],
    "nature_outdoors": ["nature/outdoors", "Nature & Outdoors", "Outdoors", "nature"],
    "volunteering": ["Volunteer", "volunteer", "Volunteering"],
    "community_social": ["Community groups", "Community Groups & Social Connection", "community"],
    "movement_sport": ["Movement and sport", "Sport", "movement & sport"],
    "learning_skills": ["Learning", "Learning & Skills", "learning and skills"],
    "support_wellbeing": ["Support & wellbeing", "Support and Wellbeing", "wellbeing"],
    "essentials_advice": ["Essentials", "Essentials & Advice", "essentials and advice"],
}

D_AGE = [((None, None), 0.65), ((18, None), 0.35)]


def S(
    cat,
    tags,
    names,
    desc,
    *,
    es_names=(),
    es_desc=(),
    bring=(),
    vt=("community_center",),
    times=("morning", "afternoon", "evening"),
    free_p=0.6,
    costs=("$5 per session",),
    age=D_AGE,
    online_p=0.0,
    radius=None,
    w=1.0,
    regmul=None,
):
    return dict(
        cat=cat,
        tags=list(tags),
        names=list(names),
        desc=list(desc),
        es_names=list(es_names),
        es_desc=list(es_desc),
        bring=list(bring),
        vt=list(vt),
        times=list(times),
        free_p=free_p,
        costs=list(costs),
        age=age,
        online_p=online_p,
        radius=radius,
        w=w,
        regmul=regmul or {},
    )


SUBTOPICS = {
    # ------------------------------------------------------------------ arts & culture
    "watercolor_painting": S(
        "arts_culture",
        ["painting", "art", "watercolor", "creative", "beginners"],
        [
            "{place} Watercolor Circle",
            "Wet Brush Painters",
            "Watercolor for Beginners",
            "{place} Painting Club",
            "Loose & Easy Watercolor Group",
        ],
        [
            "Watercolor class, all levels. Paper, brushes and paints supplied. Runs in 8-week blocks.",
            "Our little group of painters meets at {venue} to work on landscapes, flowers and whatever takes our fancy. "
            "Nobody here is an expert - we swap tips, laugh at our mistakes, and there is always a pot of coffee on.",
            "The {place} Arts Program offers instructor-led watercolor sessions for adult residents. Participants will "
            "learn color mixing, washes and composition. Pre-registration is required and enrollment is limited.",
            "New members wanted! We welcome anyone who'd like to try watercolors. Tuition from a retired art teacher, "
            "a gentle pace, and a show of members' work every spring.",
            "Relaxed open studio for people who paint in watercolor or gouache. Bring a project or start one; a tutor "
            "circulates to help with technique.",
        ],
        es_names=["Taller de Acuarela {place}", "Pintura para Adultos"],
        es_desc=[
            "Clases de acuarela para adultos en {venue}. No se necesita experiencia; los materiales están "
            "incluidos. Un ambiente tranquilo para relajarse y crear."
        ],
        bring=["Bring an old shirt or apron.", "Bring a sketchbook if you have one."],
        vt=["arts_center", "library", "community_center", "senior_center", "park"],
        times=["morning", "afternoon", "evening", "weekend"],
        free_p=0.4,
        costs=["$5 per session", "$60 for 8 weeks", "$10 drop-in, materials included"],
        online_p=0.05,
    ),
    "pottery_ceramics": S(
        "arts_culture",
        ["pottery", "ceramics", "clay", "crafts", "hands-on"],
        [
            "{place} Clay Studio",
            "Mud & Wheel Community Pottery",
            "Hand-Building Pottery",
            "Open Clay Night",
            "{place} Ceramics Collective",
        ],
        [
            "Pottery: wheel throwing and hand-building. Kiln firing included. Max 10 students.",
            "Get your hands muddy! Our friendly clay studio runs beginner hand-building sessions where you'll make "
            "pinch pots, coil vases and tiles. Your pieces are glazed and fired for you to take home.",
            "Ceramics instruction is provided in a fully equipped studio with six wheels and an electric kiln. The "
            "course fee includes clay and firing. Participants must attend a safety orientation.",
            "Studio members share wheels, glazes and a lot of good conversation. Evening open studio for people "
            "who've done a course and want somewhere to keep throwing.",
            "A calm, unhurried clay session for people who are new to making things. The tutor demonstrates each "
            "step and there is no pressure to produce anything perfect.",
        ],
        es_names=["Taller de Cerámica {place}"],
        es_desc=[
            "Taller de cerámica: aprende a trabajar el barro a mano y en el torno. Incluye el barro y la "
            "cocción. Grupo pequeño y ambiente familiar."
        ],
        bring=[
            "Wear clothes you don't mind getting dirty.",
            "Short fingernails make wheel work easier!",
        ],
        vt=["arts_center", "community_center", "park"],
        times=["evening", "weekend", "afternoon"],
        free_p=0.15,
        costs=["$15 per session", "$120 for a 6-week course, clay included", "$25 open studio"],
        w=0.8,
    ),
    "drawing_sketching": S(
        "arts_culture",
        ["drawing", "sketching", "art", "pencil"],
        [
            "{place} Sketch Club",
            "Urban Sketchers {place}",
            "Life Drawing Drop-In",
            "Pencil & Paper Drawing Group",
            "Draw Together",
        ],
        [
            "Weekly drawing session. Still life and portraits. Pencils and paper available.",
            "Urban sketchers meet outdoors (or in a coffee shop if it's raining!) to draw buildings, people and street "
            "scenes around {place}. Any skill level, any materials - just turn up with something to draw on.",
            "Untutored life drawing with a clothed model. Short poses to warm up, then longer poses. Easels and boards "
            "available.",
            "The library hosts an informal drawing circle where participants practice observational drawing. "
            "Guidance is offered by a volunteer artist. Materials are provided free of charge.",
            "Learn to draw from scratch: shading, perspective and proportion broken down into small steps, with a "
            "friendly, patient tutor.",
        ],
        bring=["Bring your own sketchbook and pencils if you have them."],
        vt=["library", "arts_center", "community_center"],
        times=["evening", "weekend", "afternoon"],
        free_p=0.55,
        costs=["$8 per session, model fee included", "$3 suggested donation"],
        online_p=0.08,
    ),
    "community_choir": S(
        "arts_culture",
        ["singing", "choir", "music", "voice"],
        [
            "{place} Community Choir",
            "Sing Out {place}",
            "{place} Singers",
            "Voices of {place}",
            "Come and Sing Choir",
        ],
        [
            "Community choir. No auditions, no need to read music. Mixed repertoire: gospel, pop, folk.",
            "If you can hum in the shower, you can sing with us! We learn songs by ear, warm up together and perform a "
            "couple of relaxed concerts a year. The break halfway through is compulsory.",
            "The chorus rehearses weekly under a professional music director and presents two concerts per season. "
            "Membership dues apply; financial assistance is available upon request.",
            "Singing for lung health: gentle breathing exercises followed by easy, uplifting songs. Stay seated "
            "throughout if you prefer.",
            "We're a small, friendly choir looking for more voices - especially tenors and basses. Come along to a "
            "rehearsal and see if it's for you.",
        ],
        es_names=["Coro Comunitario {place}", "Voces de {place}"],
        es_desc=[
            "Coro comunitario en español. Cantamos música tradicional latinoamericana y canciones de siempre. "
            "No hace falta saber leer música ni tener experiencia.",
            "¡Ven a cantar! Grupo de canto para adultos mayores, con ejercicios de respiración y mucha alegría.",
        ],
        vt=["church", "community_center", "school", "arts_center"],
        times=["evening", "afternoon"],
        free_p=0.5,
        costs=["$40 per season", "$5 per rehearsal"],
        online_p=0.04,
    ),
    "community_theatre": S(
        "arts_culture",
        ["theater", "drama", "acting", "improv", "performing arts"],
        [
            "{place} Players",
            "{place} Community Theater",
            "Curtain Up Drama Group",
            "Improv for Everyone",
            "Storefront Theater Workshop",
        ],
        [
            "Amateur theater company. Two productions a year. Roles on stage and backstage.",
            "Always fancied treading the boards? Our drama group does games, improvisation and short scenes every week, "
            "and puts on a show each spring. Shy people very welcome - lots of our members started out painting sets.",
            "Beginner improv classes focused on listening, play and saying 'yes, and'. No performance required. Many "
            "people find it helps with confidence.",
            "The company is seeking volunteers for acting, stage management, lighting, costumes and front-of-house for "
            "the upcoming season. Auditions are open to the public.",
            "Play-reading group: we sit around a table and read scripts aloud, taking parts. Great for people who love "
            "theater but don't want to perform.",
        ],
        es_names=["Teatro Comunitario {place}"],
        es_desc=[
            "Grupo de teatro comunitario en español. Ensayamos obras cortas sobre la vida del barrio y hacemos "
            "funciones para las familias. Todos son bienvenidos, con o sin experiencia."
        ],
        vt=["arts_center", "school", "community_center", "church"],
        times=["evening", "weekend"],
        free_p=0.6,
        costs=["$60 per term", "$10 per workshop"],
        w=0.7,
    ),
    "music_jam": S(
        "arts_culture",
        ["music", "instruments", "guitar", "jam", "band"],
        [
            "{place} Open Mic",
            "Acoustic Jam Session",
            "Bluegrass & Old-Time Jam",
            "Rusty Rockers Band Night",
            "Community Drum Circle",
            "Ukulele Club of {place}",
        ],
        [
            "Open jam for acoustic players. Guitar, fiddle, banjo, mandolin. All levels.",
            "Dusted off your guitar? Our ukulele and guitar strum-along is for anyone who wants to play with others "
            "without the pressure. Song sheets provided, chords shown on a big screen.",
            "Monthly open mic. Sign-up sheet at the door; 3 songs each. Supportive crowd.",
            "Rusty Rockers is for grown-ups who played in a band once and want to again. We match people into groups, "
            "book rehearsal rooms and work towards a gig at the end of the season.",
            "Drum circle - instruments provided, no experience necessary. Just come and join the rhythm.",
        ],
        es_names=["Noche de Música {place}"],
        es_desc=[
            "Noche de guitarra y canciones: trae tu instrumento o solo ven a escuchar. Música ranchera, boleros "
            "y trova entre amigos."
        ],
        vt=["arts_center", "community_center", "park", "library"],
        times=["evening", "weekend", "late"],
        free_p=0.6,
        costs=["$5 cover", "$75 per 10-week season"],
        age=[((None, None), 0.6), ((21, None), 0.25), ((18, None), 0.15)],
    ),
    "creative_writing": S(
        "arts_culture",
        ["writing", "poetry", "memoir", "stories"],
        [
            "{place} Writers' Circle",
            "Memoir Writing Workshop",
            "Poetry Night",
            "Life Stories Writing Group",
            "Pen to Paper",
        ],
        [
            "Writers' group. Bring work in progress for feedback. Fiction, poetry, memoir.",
            "Everyone has a story. In this gentle workshop we write short pieces about our lives - a first job, a "
            "favorite kitchen, a long-lost friend - and share them if we want to.",
            "The library sponsors a monthly creative writing workshop led by a local author. Prompts are provided. "
            "Participants are encouraged, but not required, to read aloud.",
            "Poetry open mic and writing prompts. Come to listen, come to read, or both.",
            "Writers' room: we write together in silence for 45 minutes, then chat about how it went.",
        ],
        vt=["library", "arts_center", "community_center"],
        times=["evening", "afternoon", "weekend"],
        free_p=0.8,
        costs=["$5 per workshop"],
        online_p=0.2,
        w=0.8,
    ),
    "photography_club": S(
        "arts_culture",
        ["photography", "camera", "photo walk"],
        [
            "{place} Camera Club",
            "Photo Walk {place}",
            "Smartphone Photography for Beginners",
            "Shutterbugs of {place}",
        ],
        [
            "Camera club. Monthly competitions, field trips, guest speakers.",
            "Grab any camera - even your phone - and join our monthly photo walk around {place}. We stop, look, shoot, "
            "then get coffee and share our favorite shots.",
            "Learn to take better pictures with the phone you already own: framing, light, editing and sharing with "
            "family. Two-hour hands-on class.",
            "The club welcomes photographers of all levels. Meetings include critique of members' images and technical "
            "presentations. Annual dues cover speaker fees.",
        ],
        vt=["library", "community_center", "arts_center"],
        times=["evening", "weekend"],
        free_p=0.5,
        costs=["$30 annual dues", "$10 per class"],
        online_p=0.08,
        w=0.6,
    ),
    "museum_gallery_visits": S(
        "arts_culture",
        ["museum", "gallery", "history", "art"],
        [
            "Museum Mornings",
            "Gallery Talks",
            "Art Conversations",
            "Memory Cafe at the Museum",
            "{place} History Museum",
        ],
        [
            "Free guided gallery tour for small groups, followed by coffee. Wheelchairs and stools available.",
            "Slow looking: spend an hour with just three objects from the collection and talk about what you notice. "
            "No art history knowledge needed - your opinion counts as much as the guide's.",
            "A program for people living with memory loss and their care partners: relaxed gallery conversations and "
            "hands-on objects in a quiet room before public opening hours.",
            "Residents of {city} receive free admission on designated days. Group visits may be arranged for community "
            "organizations; contact the education department.",
            "Small local history museum with changing exhibits and a volunteer-led tour on request.",
        ],
        vt=["museum"],
        times=["morning", "afternoon", "weekend"],
        free_p=0.7,
        costs=["$12 admission, free for residents on Thursdays", "$5 suggested donation"],
        online_p=0.03,
        w=0.6,
    ),
    "book_club": S(
        "arts_culture",
        ["books", "reading", "book club", "library"],
        [
            "{place} Library Book Club",
            "Page Turners",
            "Mystery Readers Group",
            "Big Print Book Group",
            "Second Tuesday Readers",
        ],
        [
            "Monthly book discussion. Copies available at the circulation desk.",
            "We read a novel a month, meet over cake and argue about the ending. New readers always welcome, even if "
            "you haven't finished the book!",
            "Large-print and audiobook editions of each title are provided for participants with low vision. "
            "Discussion is facilitated by library staff.",
            "Book club for people who love crime fiction. Occasionally we watch the film version instead.",
        ],
        es_names=["Club de Lectura {place}"],
        es_desc=[
            "Club de lectura en español. Leemos una novela al mes y nos reunimos a platicar con café. Los libros "
            "se pueden pedir en la biblioteca."
        ],
        vt=["library"],
        times=["evening", "afternoon"],
        free_p=0.95,
        costs=["$2 for coffee"],
        online_p=0.15,
        w=0.8,
    ),
    # ------------------------------------------------------------------ nature & outdoors
    "community_gardening": S(
        "nature_outdoors",
        ["gardening", "outdoors", "growing", "vegetables", "green space"],
        [
            "{place} Community Garden",
            "Grow {place}",
            "Plot to Plate Garden Club",
            "{place} Victory Garden",
            "Green Thumbs Garden Group",
            "Healing Garden Project",
        ],
        [
            "Community garden. Raised beds, shared tools, weekly workdays April-October.",
            "There's always something to do in the garden: sowing, weeding, watering, or just sitting on the bench with "
            "a cold drink. Come to a Saturday workday and meet your fellow growers - no experience needed, we'll show you.",
            "Plots are allocated annually to residents on a first-come, first-served basis. Applicants must agree to the "
            "garden's rules, including attendance at two common workdays per season.",
            "Volunteers needed to help grow vegetables for the neighborhood food pantry. Light tasks available for those "
            "who can't kneel; raised beds are at wheelchair height.",
            "Therapeutic horticulture sessions in a quiet walled garden, led by a trained gardener. Suitable for people "
            "recovering from illness or living with stress.",
        ],
        es_names=["Huerto Comunitario {place}", "Jardín de la Comunidad"],
        es_desc=[
            "Huerto comunitario: sembramos verduras, hierbas y flores entre vecinos. Tenemos herramientas para "
            "prestar. Ven los sábados por la mañana, no necesitas experiencia.",
            "Jardín comunitario para familias. Los niños aprenden a sembrar mientras los adultos platican. "
            "Compartimos la cosecha.",
        ],
        bring=[
            "Wear sturdy shoes and bring gloves if you have them.",
            "Sun hat and water bottle recommended.",
        ],
        vt=["park", "church", "community_center"],
        times=["morning", "weekend", "evening"],
        free_p=0.8,
        costs=["$25 per plot per season"],
        w=1.2,
        regmul={"rural": 0.8},
    ),
    "birdwatching": S(
        "nature_outdoors",
        ["birds", "birding", "wildlife", "nature walk"],
        ["{place} Birders", "Early Birders", "Beginner Bird Walk", "{place} Bird Club"],
        [
            "Guided bird walk, 7:30am. Binoculars available to borrow. Meet at the parking lot.",
            "Spring migration is a wonderful time to start birding. Join our slow-paced walks where we stop, listen and "
            "learn to pick out warblers, woodpeckers and herons. Beginners ask the best questions!",
            "Monthly meetings with illustrated talks, plus field trips to local hotspots. Membership includes a "
            "newsletter and access to the loaner optics program.",
            "Citizen-science bird counts: help record species numbers for a long-term survey. Training provided.",
            "Waterbird watch from the shore - volunteers with spotting scopes help visitors find loons, grebes and eagles.",
        ],
        vt=["nature"],
        times=["early", "weekend", "morning"],
        free_p=0.85,
        costs=["$20 annual membership"],
        w=0.8,
        regmul={"rural": 1.6, "suburb": 1.2, "city": 0.8},
    ),
    "trail_walking": S(
        "nature_outdoors",
        ["hiking", "trails", "nature", "outdoors", "walking"],
        [
            "{place} Hiking Club",
            "Trail Trekkers",
            "Forest Preserve Walks",
            "Northwoods Trail Hikers",
            "Nature Walk & Talk",
        ],
        [
            "Guided nature hikes, 3-6 miles, moderate pace. Sturdy footwear required.",
            "Our volunteer naturalists lead leisurely walks through woods and prairie, pointing out wildflowers, tracks "
            "and anything else we stumble upon. We go at the pace of the slowest walker.",
            "The hiking club schedules day hikes on local trails and state forest land. Participants are responsible for "
            "their own transportation to trailheads; carpooling is coordinated by email.",
            "Join a ranger for a 90-minute interpretive hike. Topics vary by season: fall colors, spring ephemerals, "
            "winter tracking on snowshoes (loaned free).",
            "Easy-going walk on level paths with a rest stop halfway. Good for people getting back into walking after "
            "illness.",
        ],
        es_names=["Caminatas en la Naturaleza"],
        es_desc=[
            "Caminatas guiadas por la naturaleza los domingos. Ritmo tranquilo, para toda la familia. Traer agua y "
            "zapatos cómodos."
        ],
        bring=["Dress for the weather and bring water."],
        vt=["nature"],
        times=["morning", "weekend", "early"],
        free_p=0.85,
        costs=["$5 per hike"],
        w=1.0,
        regmul={"rural": 1.7, "suburb": 1.3, "city": 0.7},
    ),
    "open_water_swimming": S(
        "nature_outdoors",
        ["swimming", "lake", "open water", "cold water"],
        ["{place} Open Water Swimmers", "Lake Swim Club", "Polar Plunge Crew", "Dawn Dippers"],
        [
            "Open-water swim group. Lake swims, summer mornings. Bright swim cap and tow float required.",
            "Cold water, warm hearts: we meet at the beach for a quick dip and a hot drink afterwards, year round. Swim "
            "as little or as much as you like.",
            "Guarded open-water swim sessions are offered on marked courses during the summer season. Swimmers must "
            "complete a registration form and demonstrate the ability to swim 200 yards.",
            "Lake swimming for confident swimmers. We swim in pairs along the shoreline, never alone.",
        ],
        vt=["nature"],
        times=["early", "weekend"],
        free_p=0.7,
        costs=["$8 beach fee"],
        w=0.45,
        regmul={"city": 0.8, "rural": 1.6, "suburb": 0.4},
    ),
    "fishing_club": S(
        "nature_outdoors",
        ["fishing", "lakes", "outdoors", "anglers"],
        ["{place} Anglers", "Fishing Buddies", "Hooked on Fishing", "Ice Fishing Get-Together"],
        [
            "Fishing club: monthly outings, ice fishing in winter, fly-tying nights.",
            "Never held a rod? We'll lend you one. Our volunteer anglers run relaxed shore-fishing sessions where the aim "
            "is more about sitting by the water than catching anything.",
            "Learn-to-fish clinics cover casting, knots and regulations. Fishing licenses are not required for "
            "participants during clinic hours. Equipment is provided.",
            "We're a bunch of retired guys who fish, tell lies about fish, and fix each other's tackle. Boat rides "
            "available for anyone who can't fish from shore.",
            "Accessible fishing pier sessions for people using wheelchairs or walkers, with helpers on hand.",
        ],
        vt=["nature"],
        times=["early", "weekend", "morning"],
        free_p=0.75,
        costs=["$15 annual dues"],
        w=0.6,
        regmul={"rural": 2.5, "suburb": 0.8, "city": 0.6},
    ),
    "paddling_club": S(
        "nature_outdoors",
        ["kayak", "canoe", "paddling", "lakes", "rivers"],
        ["{place} Paddlers", "Canoe & Kayak Club", "Learn to Paddle", "Adaptive Paddling Program"],
        [
            "Kayak and canoe trips on local lakes and rivers. Boats and life jackets provided.",
            "Paddle with us on quiet summer evenings - we take it slow, look for herons and turtles, and usually end with "
            "ice cream.",
            "Introductory paddling course covering strokes, safety and self-rescue. Participants must be comfortable in "
            "water. The course fee includes equipment rental.",
            "Adaptive paddling sessions with specialist seats and outriggers for people with disabilities. Trained "
            "volunteers assist with transfers.",
        ],
        vt=["nature"],
        times=["evening", "weekend"],
        free_p=0.4,
        costs=["$20 per trip", "$90 for the course"],
        w=0.5,
        regmul={"rural": 2.2, "suburb": 0.8, "city": 0.6},
    ),
    # ------------------------------------------------------------------ volunteering
    "museum_volunteering": S(
        "volunteering",
        ["volunteering", "museum", "history", "docent"],
        [
            "{place} Historical Society Volunteers",
            "Museum Docent Program",
            "Museum Volunteer Corps",
            "Archive Helpers",
        ],
        [
            "Volunteer docents needed. Training provided. 4 hours/week commitment.",
            "Love history? Help us welcome visitors, sort the archive, or dig through old photos to build our next "
            "exhibit. Our volunteers range from teens to retirees in their nineties.",
            "The museum seeks volunteers for visitor services, collections care and special events. Applicants must "
            "complete an application, background check and orientation.",
            "Share the stories of {place}: we're recruiting volunteers to record oral histories with long-time residents.",
        ],
        vt=["museum"],
        times=["morning", "afternoon", "weekend"],
        free_p=1.0,
        w=0.6,
        age=[((None, None), 0.4), ((16, None), 0.3), ((18, None), 0.3)],
    ),
    "conservation_volunteering": S(
        "volunteering",
        ["volunteering", "conservation", "environment", "outdoors", "restoration"],
        [
            "{place} Habitat Stewards",
            "Prairie Restoration Workdays",
            "Friends of the Forest Preserve",
            "Lake Association Volunteers",
            "Invasive Plant Pull",
        ],
        [
            "Volunteer workdays: brush clearing, seed collecting, invasive species removal. Tools and gloves provided.",
            "Spend a Saturday morning outdoors restoring native prairie. It's hard work but very satisfying, and there "
            "are always snacks and good company. Families with kids 10+ welcome.",
            "Volunteer stewards assist agency staff with habitat management. Volunteers under 18 require a signed "
            "waiver. Work proceeds in all weather except lightning.",
            "Help monitor water quality and loon nests on our lakes. Short training in May; after that, go out when it "
            "suits you.",
            "Looking for a practical way to give back? Our stewardship crew needs people who don't mind getting muddy.",
        ],
        vt=["nature"],
        times=["weekend", "morning"],
        free_p=1.0,
        w=0.9,
        regmul={"rural": 1.5, "suburb": 1.3, "city": 0.8},
    ),
    "beach_park_cleanup": S(
        "volunteering",
        ["volunteering", "litter", "cleanup", "parks", "beach"],
        [
            "Adopt-a-Beach Cleanup",
            "{place} Park Cleanup Crew",
            "Litter Pickers of {place}",
            "River Sweep",
        ],
        [
            "Monthly litter pick. Grabbers, bags and gloves provided. Meet at the field house.",
            "Give an hour, make a difference. Our volunteers pick up litter along the shore and log what they find for a "
            "Great Lakes data project. Kids welcome with an adult.",
            "The park advisory council organizes cleanup events on the first Saturday of each month. Community service "
            "hours can be documented for students.",
            "Grab a bag and join the neighbors cleaning up our parks and alleys. Afterwards we go for tacos.",
        ],
        es_names=["Limpieza del Parque {place}"],
        es_desc=[
            "Únete a los vecinos para limpiar el parque y las calles del barrio. Damos bolsas y guantes. Después "
            "convivimos con un almuerzo."
        ],
        vt=["park", "nature"],
        times=["weekend", "morning"],
        free_p=1.0,
        w=0.7,
    ),
    "food_bank_volunteering": S(
        "volunteering",
        ["volunteering", "food bank", "packing", "hunger relief"],
        [
            "{place} Food Pantry Volunteers",
            "Warehouse Volunteer Shifts",
            "Hunger Relief Volunteers",
            "Harvest Packers",
        ],
        [
            "Volunteers sort and pack donated food. Shifts 2-3 hours. Ages 14+.",
            "Our pantry runs on people power. Help unload the truck, stock shelves, or chat with guests as they shop. "
            "You'll leave tired and smiling.",
            "Volunteer shifts are available Monday through Saturday at the warehouse. Closed-toe shoes are required. "
            "Groups of more than 10 must book in advance.",
            "Drivers needed! Deliver grocery boxes to homebound seniors once a week using your own car; mileage "
            "reimbursed.",
            "Friendly, no-pressure volunteering for people who want to keep busy: bagging produce, folding boxes, "
            "greeting neighbors.",
        ],
        es_names=["Voluntarios de la Despensa {place}"],
        es_desc=[
            "Se necesitan voluntarios para la despensa de alimentos: clasificar donaciones, preparar bolsas y "
            "atender a las familias. Hablamos español e inglés."
        ],
        vt=["pantry", "church", "agency"],
        times=["morning", "afternoon", "weekend", "evening"],
        free_p=1.0,
        w=1.1,
        age=[((14, None), 0.5), ((16, None), 0.2), ((None, None), 0.3)],
    ),
    "animal_shelter_volunteering": S(
        "volunteering",
        ["volunteering", "animals", "dogs", "cats", "shelter"],
        [
            "{place} Animal Shelter Volunteers",
            "PAWS Volunteer Program",
            "Cat Cuddlers",
            "Dog Walking Volunteers",
        ],
        [
            "Shelter volunteers needed: dog walking, cat socialization, laundry. Orientation required. 18+.",
            "Our shelter cats need laps! Spend an hour or two reading, talking and playing with cats who are waiting for "
            "their forever homes.",
            "Volunteers must attend a 90-minute orientation and commit to one shift per week for three months. Dog "
            "handling volunteers complete additional training.",
            "Foster a dog for a few weeks and give it a break from the kennel. We supply food, crate and vet care.",
            "Quiet jobs for quiet people: washing bowls, folding blankets, and sitting with nervous animals.",
        ],
        vt=["shelter"],
        times=["morning", "afternoon", "weekend", "evening"],
        free_p=1.0,
        w=0.6,
        age=[((18, None), 0.6), ((16, None), 0.4)],
    ),
    "literacy_tutoring_volunteer": S(
        "volunteering",
        ["volunteering", "tutoring", "reading", "literacy", "mentoring"],
        [
            "Reading Buddies",
            "{place} Literacy Volunteers",
            "Adult Literacy Tutors",
            "Homework Helpers",
        ],
        [
            "Volunteer tutors needed for adult learners. Training provided. 2 hrs/week.",
            "Read with a first-grader once a week and watch their confidence grow. No teaching background needed - just "
            "patience and a love of stories.",
            "Volunteers are matched with adult learners working toward literacy and numeracy goals. A 12-hour tutor "
            "training is required prior to placement.",
            "Help a neighbor learn English through conversation. Our volunteers meet learners at the library for an hour "
            "of chat.",
        ],
        vt=["library", "school", "community_center"],
        times=["afternoon", "evening", "morning"],
        free_p=1.0,
        w=0.7,
        age=[((18, None), 0.7), ((16, None), 0.3)],
    ),
    # ------------------------------------------------------------------ community & social
    "befriending_service": S(
        "community_social",
        ["befriending", "companionship", "seniors", "home visits", "phone calls"],
        [
            "Friendly Visitor Program",
            "{place} Telephone Reassurance",
            "Neighbors Calling Neighbors",
            "Good Neighbor Friendship Program",
            "Companions for Seniors",
        ],
        [
            "Friendly visitor program: a trained volunteer visits weekly at home. For adults 60+ living alone.",
            "Sometimes a regular chat makes all the difference. Our volunteers phone members at a time that suits them "
            "for a catch-up about anything - the ball game, the grandkids, the weather.",
            "The telephone reassurance service provides daily check-in calls to older adults and adults with "
            "disabilities who live alone. Referrals accepted from health professionals, family members or self.",
            "We match people who feel cut off with a volunteer friend who shares their interests. Visits can be at home, "
            "a coffee shop, or a walk in the park.",
            "Daily wellness calls for isolated seniors. Calls are made by trained volunteers. No charge.",
        ],
        es_names=["Visitas Amistosas {place}", "Compañía para Mayores"],
        es_desc=[
            "Programa de visitas amistosas: un voluntario le visita o le llama cada semana para platicar. Para "
            "personas mayores que viven solas. Servicio gratuito, en español."
        ],
        vt=["agency", "senior_center"],
        times=["office", "daily"],
        free_p=1.0,
        online_p=0.3,
        radius={"city": 8.0, "suburb": 15.0, "rural": 40.0},
        w=0.9,
        age=[((60, None), 0.6), ((18, None), 0.3), ((None, None), 0.1)],
    ),
    "coffee_morning": S(
        "community_social",
        ["social", "coffee", "drop-in", "conversation"],
        [
            "{place} Coffee Morning",
            "Coffee & Chat",
            "Drop-In Social Hour",
            "Neighbors' Coffee Hour",
            "Chatty Cafe",
        ],
        [
            "Drop-in coffee hour. Free. Everyone welcome.",
            "Pop in for a cup of coffee, a slice of homemade cake and a good natter. Lots of our regulars first came on "
            "their own and now can't keep away.",
            "A weekly informal social gathering offered in partnership with the senior services division. No "
            "registration is necessary.",
            "Come for the coffee, stay for the company. We do a little quiz, a raffle on the last Friday of the month, "
            "and plenty of talking.",
            "Chatter table: sit here if you don't mind someone joining you for a conversation.",
        ],
        es_names=["Café y Charla {place}", "Cafecito Comunitario"],
        es_desc=[
            "Café y charla: ven a tomar un cafecito, conocer a tus vecinos y pasar un buen rato. Todos son "
            "bienvenidos.",
            "Reunión social semanal con café y pan dulce. Gratis.",
        ],
        vt=["church", "library", "community_center", "senior_center"],
        times=["morning"],
        free_p=0.9,
        costs=["$1 for coffee"],
        w=1.2,
    ),
    "mens_shed": S(
        "community_social",
        ["men's shed", "woodworking", "repairs", "workshop", "men"],
        ["{place} Men's Shed", "The Workshop Guys", "Fix-It Club", "Shed Buddies of {place}"],
        [
            "Men's shed: woodworking, repairs, conversation. Tools provided. Men 18+.",
            "Men don't talk face to face, they talk shoulder to shoulder. At our shed you'll find a workbench, a coffee "
            "pot, and a bunch of guys building birdhouses, fixing bikes and swapping stories.",
            "The shed provides a supervised community workshop where members undertake projects for themselves and for "
            "local nonprofits. A safety induction is required before using power tools.",
            "Retired? Bored? Handy - or not? Come to the shed. We've got more projects than hands.",
            "Repair cafe run by the shed members: bring your broken lamp, toaster or chair and we'll try to fix it with you.",
        ],
        vt=["workshop", "community_center", "church"],
        times=["morning", "afternoon"],
        free_p=0.7,
        costs=["$5 a visit toward materials"],
        age=[((18, None), 0.8), ((None, None), 0.2)],
        w=0.5,
        regmul={"rural": 1.5},
    ),
    "knitting_circle": S(
        "community_social",
        ["knitting", "crochet", "crafts", "quilting", "social"],
        [
            "{place} Knit & Natter",
            "Needles & Yarn",
            "Crochet Club",
            "Comfort Quilters",
            "Knitting Circle",
        ],
        [
            "Knitting and crochet group. All levels. Yarn available.",
            "Bring whatever you're making - or pick up some needles from our basket - and join us for a chatty afternoon "
            "of knitting, crochet and tea. We also make hats for newborns at the hospital.",
            "The library offers a weekly fiber arts circle. Instruction for beginners is available from experienced "
            "members upon request.",
            "Quilting bee: we piece and hand-quilt together, donating finished quilts to the shelter.",
            "Stuck on a pattern? Come along and somebody will untangle it for you.",
        ],
        es_names=["Círculo de Tejido {place}"],
        es_desc=[
            "Círculo de tejido: tejemos, bordamos y platicamos. Si no sabes tejer, te enseñamos. Traemos hilo para "
            "compartir."
        ],
        vt=["library", "church", "senior_center", "community_center"],
        times=["afternoon", "morning", "evening"],
        free_p=0.9,
        costs=["$2 donation"],
        w=0.9,
    ),
    "faith_community_lunch": S(
        "community_social",
        ["lunch", "community meal", "fellowship", "hot meal"],
        [
            "{place} Community Lunch",
            "Open Table Lunch",
            "Soup & Fellowship",
            "Shared Table",
            "Neighbors' Supper",
        ],
        [
            "Free hot lunch, all welcome. No religious requirement.",
            "Everyone is welcome at our table, whatever your faith or none. We serve a hot home-cooked lunch followed by "
            "dessert and conversation, and there's usually someone at the piano.",
            "The congregation hosts a weekly community meal open to the public. Meals are prepared by volunteers in a "
            "certified kitchen. Dietary needs can be accommodated with advance notice.",
            "Lunch and fellowship for seniors. Bingo after the meal on alternate weeks.",
            "Halal community lunch after Friday prayers, open to neighbors of every background.",
        ],
        es_names=["Comida Comunitaria {place}", "La Mesa de Todos"],
        es_desc=[
            "Comida comunitaria gratuita en el salón parroquial. Todos son bienvenidos, sin importar su religión. "
            "Ven a comer y a convivir."
        ],
        vt=["church"],
        times=["lunch", "evening"],
        free_p=0.95,
        costs=["$3 suggested donation"],
        w=1.0,
    ),
    "senior_center_social": S(
        "community_social",
        ["seniors", "social", "cards", "bingo", "trips"],
        [
            "{place} Senior Center",
            "Golden Years Club",
            "Over-60s Social Club",
            "Seniors' Afternoon",
            "Active Agers",
        ],
        [
            "Senior center: cards, bingo, billiards, trips. 60+.",
            "The center is a home from home for older folks in {place}: pool table, puzzle corner, monthly birthday "
            "parties and day trips to places you haven't been in years.",
            "Programming for adults aged 60 and over includes social recreation, congregate meals, health screenings "
            "and information and assistance. Membership is free for residents.",
            "Cards, dominoes and good company every afternoon. Just walk in and pull up a chair.",
        ],
        es_names=["Club de Personas Mayores {place}"],
        es_desc=[
            "Club de personas mayores: lotería, dominó, bailes y excursiones. Para mayores de 60 años. Se habla "
            "español."
        ],
        vt=["senior_center"],
        times=["office", "afternoon", "morning"],
        free_p=0.9,
        costs=["$10 annual membership"],
        age=[((60, None), 0.7), ((55, None), 0.2), ((50, None), 0.1)],
        w=0.9,
    ),
    "parent_toddler_group": S(
        "community_social",
        ["parents", "toddlers", "playgroup", "families", "babies"],
        [
            "{place} Playgroup",
            "Little Ones Stay & Play",
            "Baby & Me",
            "Toddler Time",
            "Dads & Kids Saturday Club",
        ],
        [
            "Stay-and-play for under-5s and their grown-ups. Toys, songs, snack.",
            "Bring your little ones to a morning of messy play, songs and stories, while you grab a coffee and chat to "
            "other parents. Grandparents and nannies welcome too.",
            "The early childhood program offers a weekly drop-in playgroup for families with children from birth to age "
            "five. Caregivers must remain with children at all times.",
            "Saturday morning club for dads and their kids - play, pancakes, and no judgement.",
            "New parents' circle: sit, feed, cry, laugh. Babies in arms welcome.",
        ],
        es_names=["Grupo de Juego {place}", "Mamás y Bebés"],
        es_desc=[
            "Grupo de juego para mamás, papás y niños pequeños. Canciones, cuentos y juegos en español. Gratis.",
            "Mamás y bebés: un espacio para conocer a otras familias y compartir experiencias.",
        ],
        vt=["library", "church", "community_center", "park"],
        times=["morning", "weekend"],
        free_p=0.85,
        costs=["$3 per family"],
        age=[((None, None), 1.0)],
        w=0.9,
    ),
    "board_games_club": S(
        "community_social",
        ["games", "chess", "board games", "cards"],
        [
            "{place} Board Game Night",
            "Chess in the Park",
            "{place} Bridge Club",
            "Scrabble Society",
            "Mahjong Club",
        ],
        [
            "Board games night. Hundreds of games to borrow. Free.",
            "Learn a new game or beat us at an old favorite - chess, Scrabble, Ticket to Ride, dominoes... Friendly "
            "crowd, lots of snacks.",
            "Duplicate bridge sessions are sanctioned by the league. Partners can be arranged for players attending alone.",
            "Mahjong afternoons - beginners taught. Sets provided.",
            "Chess boards out every evening in the fieldhouse. Kibitzers welcome.",
        ],
        vt=["library", "park", "community_center"],
        times=["evening", "afternoon", "weekend"],
        free_p=0.8,
        costs=["$5 table fee"],
        online_p=0.04,
        w=0.7,
    ),
    "cultural_community_group": S(
        "community_social",
        ["newcomers", "culture", "community", "immigrants", "social"],
        [
            "Newcomers Welcome Club",
            "{place} International Friendship Circle",
            "Neighbors from Everywhere",
            "{place} Welcome Table",
        ],
        [
            "Social club for newcomers to {city}. Meet people, get local tips, practice English in a relaxed way.",
            "Whether you moved here last month or twenty years ago, come and share food, music and stories from home. "
            "Potluck on the first Sunday of each month.",
            "The association provides cultural programming, holiday celebrations and referral assistance to immigrant "
            "families in the community. Bilingual staff are available.",
            "A welcoming group for people who are new to the area and don't know anyone yet.",
        ],
        es_names=["Círculo de Vecinos Latinos", "Casa Comunitaria {place}"],
        es_desc=[
            "Centro comunitario para familias inmigrantes: celebraciones, talleres y orientación. Aquí encontrarás "
            "amigos y apoyo.",
            "Grupo de bienvenida para personas recién llegadas a la ciudad. Compartimos comida, música y consejos.",
        ],
        vt=["community_center", "church", "library"],
        times=["evening", "weekend", "afternoon"],
        free_p=0.9,
        costs=["$20 family membership"],
        w=0.7,
        regmul={"rural": 0.3},
    ),
    # ------------------------------------------------------------------ movement & sport
    "chair_yoga": S(
        "movement_sport",
        ["yoga", "chair", "stretching", "gentle exercise"],
        ["Chair Yoga", "Gentle Chair Yoga", "Seated Yoga for Seniors", "Yoga for Every Body"],
        [
            "Chair yoga. Gentle stretching, breathing. Suitable for limited mobility.",
            "All the benefits of yoga without getting down on the floor. We stretch, breathe and balance using a chair "
            "for support, and finish with a lovely relaxation.",
            "This low-impact class is designed for older adults and individuals with limited mobility. Participants "
            "should consult their physician before beginning any exercise program.",
            "Slow, seated yoga with lots of laughter. Perfect if your joints complain in the morning.",
        ],
        es_names=["Yoga en Silla"],
        es_desc=[
            "Yoga en silla: estiramientos suaves y respiración. Ideal para personas mayores o con movilidad "
            "limitada. Clase en español."
        ],
        vt=["senior_center", "library", "ymca", "community_center"],
        times=["morning", "afternoon"],
        free_p=0.6,
        costs=["$5 per class", "$40 for 10 classes"],
        online_p=0.15,
        age=[((None, None), 0.5), ((50, None), 0.3), ((18, None), 0.2)],
        w=1.0,
    ),
    "tai_chi": S(
        "movement_sport",
        ["tai chi", "qigong", "balance", "gentle exercise"],
        ["{place} Tai Chi", "Tai Chi for Balance", "Qigong in the Park", "Morning Tai Chi"],
        [
            "Tai chi, beginners. Improves balance and flexibility. Wear loose clothing.",
            "Slow, flowing movements in the fresh air - join us in the park early in the morning. You'll be surprised "
            "how calm you feel afterwards.",
            "The evidence-based Tai Ji Quan: Moving for Better Balance program is offered twice weekly for 12 weeks. "
            "Participants should be able to walk independently, with or without an assistive device.",
            "Qigong and tai chi for health, taught by a teacher with 30 years' practice.",
        ],
        es_names=["Tai Chi para Principiantes"],
        es_desc=[
            "Tai chi para principiantes: movimientos lentos que mejoran el equilibrio. Clases al aire libre cuando "
            "hace buen tiempo."
        ],
        vt=["park", "senior_center", "ymca", "community_center"],
        times=["morning", "early", "evening"],
        free_p=0.6,
        costs=["$6 per class", "$60 for 12 weeks"],
        online_p=0.1,
        w=0.8,
    ),
    "walking_football": S(
        "movement_sport",
        ["walking soccer", "soccer", "team sport", "over 50s"],
        ["Walking Soccer", "{place} Walking Soccer Club", "Over-50s Walking Soccer"],
        [
            "Walking soccer. No running, no slide tackles. Ages 50+.",
            "All the fun of a kickabout with none of the sprinting. Our walking soccer sessions are sociable, "
            "slow-paced and great for getting your heart going.",
            "Walking soccer is a modified version of the game in which players may not run. Sessions are held in the "
            "gymnasium and are open to adults aged 50 and over.",
            "Used to play? Never played? Doesn't matter. We pick teams each week and finish with a soda and a chat.",
        ],
        es_names=["Fútbol Caminando {place}"],
        es_desc=[
            "Fútbol caminando para mayores de 50 años: sin correr, sin contacto, mucha diversión."
        ],
        vt=["park", "ymca", "school"],
        times=["morning", "evening", "weekend"],
        free_p=0.5,
        costs=["$4 per session"],
        age=[((50, None), 0.75), ((18, None), 0.25)],
        w=0.4,
    ),
    "swimming_aquafit": S(
        "movement_sport",
        ["swimming", "pool", "water aerobics", "aqua"],
        ["Aqua Fitness", "Senior Swim", "Adult Learn-to-Swim", "Lap Swim", "Water Aerobics"],
        [
            "Water aerobics. Shallow end, no swimming skills needed.",
            "Water takes the weight off sore joints. Join our cheerful aqua class for music, movement and splashing - "
            "you never need to put your face in.",
            "Adult swim lessons for beginners who are nervous in the water. Small groups, patient instructors.",
            "Lap swim is available to members and daily pass holders. Pool lift available. Lifeguard on duty during all "
            "open hours.",
            "Warm-water therapy pool sessions for people with arthritis.",
        ],
        es_names=["Aeróbicos en el Agua"],
        es_desc=[
            "Aeróbicos en el agua: ejercicio suave para las articulaciones, en la parte baja de la alberca. No "
            "hace falta saber nadar."
        ],
        vt=["ymca", "school", "park"],
        times=["morning", "evening", "early", "weekend"],
        free_p=0.25,
        costs=["$6 drop-in", "$45 per month", "$8 day pass"],
        w=0.9,
    ),
    "walking_group": S(
        "movement_sport",
        ["walking", "health walk", "exercise", "outdoors"],
        [
            "{place} Walking Club",
            "Walk & Talk {place}",
            "Mall Walkers",
            "Stroll & Roll",
            "Health Walks",
        ],
        [
            "Health walk, 30-45 minutes, flat route. Leaves from the front entrance.",
            "Lace up and come for a gentle stroll around the neighborhood with a friendly group - we chat so much we "
            "barely notice the miles.",
            "A local physician joins the group once a month for a short health talk followed by a walk at your own pace.",
            "Indoor mall walking before the stores open - warm in winter, cool in summer, with benches every few yards.",
            "Walking group for people with strollers, wheelchairs and walking frames. Routes are fully step-free.",
        ],
        es_names=["Grupo de Caminata {place}"],
        es_desc=[
            "Grupo de caminata: salimos a caminar por el parque a paso tranquilo y platicamos. Gratis, para todas "
            "las edades."
        ],
        vt=["park", "community_center", "senior_center", "library"],
        times=["morning", "early", "evening"],
        free_p=0.95,
        costs=["$2 per walk"],
        w=1.1,
    ),
    "social_dance": S(
        "movement_sport",
        ["dance", "dancing", "music", "social"],
        [
            "Line Dancing",
            "Ballroom for Beginners",
            "Salsa Night",
            "Tea Dance",
            "{place} Polka Club",
        ],
        [
            "Line dancing, beginners 10am, improvers 11am.",
            "No partner? No problem! Our tea dances are full of people who just love to move to the music of their "
            "youth, with plenty of cake breaks.",
            "Ballroom and Latin dance instruction for adults. Classes are progressive over eight weeks; enrollment is "
            "per couple or individual.",
            "Polka and waltz every Sunday afternoon, live accordion band.",
        ],
        es_names=["Noche de Salsa y Cumbia", "Baile para Adultos Mayores"],
        es_desc=[
            "Noche de salsa y cumbia: clases para principiantes seguidas de baile libre. Ven solo o acompañado.",
            "Baile para adultos mayores: danzón, cumbia y boleros. Ven a divertirte.",
        ],
        vt=["community_center", "senior_center", "church", "park"],
        times=["evening", "afternoon", "late"],
        free_p=0.4,
        costs=["$8 at the door", "$64 for 8 weeks"],
        w=0.8,
    ),
    "strength_balance": S(
        "movement_sport",
        ["strength", "balance", "falls prevention", "seniors", "exercise"],
        [
            "Strong & Steady",
            "Falls Prevention Exercise",
            "Silver Fitness",
            "Gentle Strength Class",
            "Steady Feet Program",
        ],
        [
            "Strength and balance class for older adults. Reduces fall risk. 12 weeks.",
            "Feeling wobbly on your feet? These friendly classes use light weights and simple moves to build your "
            "strength back up. People often say they feel ten years younger.",
            "This evidence-based falls prevention program is delivered by certified instructors. Participants are "
            "screened prior to enrollment. Medicare Advantage members may attend at no cost.",
            "Low-impact workout with resistance bands and light dumbbells. Chairs used for support.",
        ],
        es_names=["Ejercicio para el Equilibrio"],
        es_desc=[
            "Ejercicio para fortalecer las piernas y mejorar el equilibrio. Clases suaves para personas mayores. "
            "Gratis."
        ],
        vt=["senior_center", "ymca", "community_center", "clinic"],
        times=["morning", "afternoon"],
        free_p=0.6,
        costs=["$3 per class"],
        online_p=0.08,
        age=[((60, None), 0.5), ((55, None), 0.2), ((None, None), 0.3)],
        w=0.9,
    ),
    "pickleball_club": S(
        "movement_sport",
        ["pickleball", "racket sport", "sport", "courts"],
        ["{place} Pickleball Club", "Pickleball Open Play", "Beginner Pickleball Clinic"],
        [
            "Pickleball open play. Paddles available. All levels.",
            "It's addictive, it's social and you can learn it in an afternoon. Our beginner clinics teach the basics, "
            "then you rotate in with friendly players.",
            "Indoor pickleball courts are reserved for open play on a first-come basis. Players rotate every 11 points. "
            "Non-marking shoes are required.",
            "We play rain or shine (indoors in winter). Lots of retirees, a few youngsters, everyone welcome.",
        ],
        vt=["park", "ymca", "school"],
        times=["morning", "evening", "weekend"],
        free_p=0.45,
        costs=["$3 drop-in", "$25 per season"],
        w=0.7,
        regmul={"suburb": 2.2, "rural": 1.0, "city": 0.6},
    ),
    # ------------------------------------------------------------------ learning & skills
    "esl_class": S(
        "learning_skills",
        ["ESL", "English", "language", "conversation"],
        [
            "English Conversation Club",
            "ESL Classes",
            "English for Speakers of Other Languages",
            "Talk Time",
        ],
        [
            "Free ESL classes, beginner to advanced. Registration in person.",
            "Practice your English in a friendly, relaxed group. We talk about everyday things - shopping, doctors, the "
            "weather - and nobody minds mistakes.",
            "English language instruction is offered to adults 16 and older through the community college's Adult "
            "Education program. A placement assessment is required.",
            "Evening English class for working adults. Childcare available on site.",
        ],
        es_names=["Clases de Inglés Gratis", "Inglés para Adultos {place}"],
        es_desc=[
            "Clases de inglés gratuitas para adultos. Todos los niveles. Inscripción en persona. Cuidado de niños "
            "disponible.",
            "Aprende inglés conversando: grupo informal para practicar el idioma sin presión.",
        ],
        vt=["library", "school", "community_center", "church"],
        times=["evening", "morning", "weekend"],
        free_p=0.9,
        costs=["$30 registration fee"],
        online_p=0.1,
        age=[((16, None), 0.5), ((18, None), 0.3), ((None, None), 0.2)],
        w=1.0,
        regmul={"rural": 0.3},
    ),
    "digital_skills": S(
        "learning_skills",
        ["computers", "technology", "smartphone", "internet"],
        [
            "Tech Help Drop-In",
            "Computer Basics",
            "Smartphone Help for Seniors",
            "Digital Navigators",
        ],
        [
            "Computer basics class: email, internet, online safety. 4 weeks.",
            "Stuck with your new phone? Bring it along and our patient volunteers will help you video-call the "
            "grandkids, set up email, or finally work out what all those buttons do.",
            "The digital literacy program provides instruction in computer fundamentals, online job applications and "
            "accessing government services. Laptops are provided for use during class.",
            "One-to-one tech help, 30-minute appointments. Bring your device and any passwords.",
        ],
        es_names=["Computación en Español"],
        es_desc=[
            "Clases de computación en español: correo electrónico, internet y cómo usar el celular. Para "
            "principiantes."
        ],
        vt=["library", "senior_center", "community_center"],
        times=["morning", "afternoon", "evening"],
        free_p=0.9,
        costs=["$20 for the course"],
        online_p=0.15,
        w=0.9,
    ),
    "cooking_class": S(
        "learning_skills",
        ["cooking", "nutrition", "healthy eating", "kitchen"],
        [
            "Cooking on a Budget",
            "Community Kitchen",
            "Healthy Cooking Class",
            "Cook & Eat Together",
        ],
        [
            "Cooking class: healthy meals on a budget. Ingredients provided.",
            "We cook a simple meal together and then sit down and eat it. You'll go home with the recipe, new skills and "
            "probably leftovers.",
            "The nutrition education series is offered in partnership with the extension office. Participants receive "
            "recipe cards and a kitchen tool kit upon completion.",
            "Cooking for one: easy, cheap meals for people who've got out of the habit of cooking for themselves.",
            "Diabetes-friendly cooking demos with a dietitian.",
        ],
        es_names=["Cocina Saludable {place}"],
        es_desc=[
            "Clases de cocina saludable: aprende a preparar comidas nutritivas y económicas para tu familia. "
            "Ingredientes incluidos."
        ],
        vt=["community_center", "church", "clinic", "library"],
        times=["evening", "afternoon", "weekend"],
        free_p=0.7,
        costs=["$10 per class"],
        online_p=0.05,
        w=0.8,
    ),
    "ged_adult_education": S(
        "learning_skills",
        ["GED", "adult education", "high school equivalency", "reading", "math"],
        [
            "GED Prep",
            "High School Equivalency Classes",
            "Adult Learning Center",
            "Pathways Adult Ed",
        ],
        [
            "GED / HSE preparation. Free. Math, reading, science, social studies.",
            "It's never too late to finish what you started. Our tutors will help you prepare for your high school "
            "equivalency at your own pace, with lots of encouragement.",
            "Adult Basic Education and High School Equivalency instruction is offered at no cost to eligible residents. "
            "Students must be 16 years of age or older and not enrolled in K-12.",
            "Adult reading and math classes for people who want to brush up basic skills.",
        ],
        es_names=["Preparación para el GED"],
        es_desc=["Preparación para el GED en español. Clases gratuitas, horario flexible."],
        vt=["school", "library", "community_center"],
        times=["evening", "morning"],
        free_p=0.95,
        costs=["$40 test fee"],
        online_p=0.1,
        age=[((16, None), 0.6), ((18, None), 0.4)],
        w=0.7,
    ),
    "job_skills": S(
        "learning_skills",
        ["jobs", "employment", "resume", "career"],
        ["Job Club", "Career Center Workshops", "Back to Work", "Resume Lab"],
        [
            "Resume help, interview practice, job search. Walk-ins Tue & Thu.",
            "Job hunting can be lonely. At Job Club we share leads, practice interviews and cheer each other on when "
            "the call comes.",
            "The workforce center offers career counseling, skills assessment and training referrals to eligible job "
            "seekers. Documentation of eligibility is required for certain programs.",
            "Free workshops: LinkedIn basics, cover letters, and going back to work after caring for family.",
        ],
        es_names=["Ayuda para Buscar Trabajo"],
        es_desc=[
            "Ayuda para buscar trabajo: currículum, práctica de entrevistas y solicitudes en línea. Atención en "
            "español."
        ],
        vt=["agency", "library", "community_center"],
        times=["office", "morning", "evening"],
        free_p=0.95,
        costs=["$15 per workshop"],
        online_p=0.12,
        age=[((18, None), 0.6), ((16, None), 0.2), ((None, None), 0.2)],
        w=0.8,
    ),
    "lifelong_learning": S(
        "learning_skills",
        ["lectures", "learning", "history", "talks"],
        [
            "Lifelong Learners of {place}",
            "Lunch & Learn Lectures",
            "{place} History Talks",
            "Curious Minds Institute",
        ],
        [
            "Lecture series for adults. Local history, science, current affairs.",
            "Curious minds welcome! Members lead short courses on whatever they know and love - from Roman history to "
            "bird song to quantum physics for the rest of us.",
            "The institute offers non-credit, peer-led courses for adults aged 50 and over. An annual membership fee "
            "applies; scholarships are available.",
            "Monthly talk with coffee. Recent topics: the Great Chicago Fire, beekeeping, the old Northwoods resorts.",
        ],
        vt=["library", "school", "museum", "community_center"],
        times=["afternoon", "morning", "evening"],
        free_p=0.6,
        costs=["$50 annual membership"],
        online_p=0.15,
        age=[((None, None), 0.6), ((50, None), 0.3), ((18, None), 0.1)],
        w=0.7,
    ),
    # ------------------------------------------------------------------ support & wellbeing
    "bereavement_support": S(
        "support_wellbeing",
        ["grief", "bereavement", "loss", "support group"],
        [
            "Grief Support Group",
            "{place} Bereavement Circle",
            "Walking Through Grief",
            "Widowed Persons' Group",
            "Good Grief Cafe",
        ],
        [
            "Grief support group. 8-week closed group. Facilitated by hospice counselors.",
            "Losing someone turns your world upside down. In our small group you'll meet people who understand, and "
            "there is space to talk - or just listen.",
            "The hospice bereavement program offers support groups, individual counseling and memorial events to "
            "community members, regardless of whether their loved one received hospice services.",
            "A relaxed drop-in for anyone who has lost a husband, wife or partner. Coffee, conversation, and sometimes "
            "tears and laughter at the same table.",
            "Grief walks: a gentle walk and talk for bereaved people, led by a trained volunteer.",
        ],
        es_names=["Grupo de Duelo {place}"],
        es_desc=[
            "Grupo de apoyo en el duelo, en español. Un espacio seguro para hablar de la pérdida de un ser "
            "querido. Gratis."
        ],
        vt=["clinic", "church", "community_center"],
        times=["evening", "afternoon", "morning"],
        free_p=0.95,
        costs=["$10 per session, sliding scale"],
        online_p=0.2,
        age=[((18, None), 0.8), ((None, None), 0.2)],
        w=0.9,
    ),
    "carers_group": S(
        "support_wellbeing",
        ["caregivers", "carers", "dementia", "support group", "respite"],
        [
            "Caregiver Support Group",
            "Care Partners Cafe",
            "Family Caregivers Circle",
            "Dementia Caregivers Group",
        ],
        [
            "Support group for family caregivers. Respite care can be arranged during meetings.",
            "Caring for someone you love is exhausting. Take an hour for yourself, share tips and frustrations with "
            "people who get it, and leave with a lighter load.",
            "The Family Caregiver Support Program provides information, assistance, counseling, support groups and "
            "respite services to unpaid caregivers of older adults.",
            "Monthly meeting for people caring for someone with dementia. Guest speakers on topics like legal planning "
            "and managing behaviors.",
        ],
        es_names=["Apoyo para Cuidadores"],
        es_desc=[
            "Grupo de apoyo para personas que cuidan a un familiar. Compartimos experiencias y recursos. En "
            "español."
        ],
        vt=["agency", "senior_center", "clinic", "church"],
        times=["evening", "morning", "afternoon"],
        free_p=0.95,
        online_p=0.2,
        age=[((18, None), 0.8), ((None, None), 0.2)],
        w=0.8,
    ),
    "peer_support_mental_health": S(
        "support_wellbeing",
        ["mental health", "peer support", "anxiety", "depression"],
        [
            "Peer Support Group",
            "Anxiety & Depression Support Circle",
            "Recovery Conversations",
            "Hearts & Minds Peer Group",
        ],
        [
            "Peer-led support group for people living with depression or anxiety. Confidential.",
            "You're not the only one. Our peer group is a safe, no-judgement space where people who've been through hard "
            "times support each other.",
            "The peer support program is facilitated by certified peer specialists. Groups follow a structured format "
            "and are free to participants. This is not a crisis service.",
            "Warmline: call or text to talk with a peer who has lived experience. Open late.",
            "Walk and talk: a peer group that meets outdoors for those who find sitting in a circle too intense.",
        ],
        es_names=["Apoyo Entre Pares"],
        es_desc=[
            "Grupo de apoyo entre pares para personas con ansiedad o depresión. Confidencial y gratuito. Reuniones "
            "en español."
        ],
        vt=["clinic", "community_center", "agency"],
        times=["evening", "afternoon", "late"],
        free_p=1.0,
        online_p=0.25,
        age=[((18, None), 0.8), ((None, None), 0.2)],
        w=1.0,
    ),
    "mindfulness_meditation": S(
        "support_wellbeing",
        ["mindfulness", "meditation", "relaxation", "stress"],
        ["Mindfulness Drop-In", "Meditation for Beginners", "Stress Less", "Quiet Mind Group"],
        [
            "Guided meditation, 30 minutes. Chairs and cushions provided.",
            "Take a breather from the noise. Our drop-in mindfulness session is gentle, practical and open to complete "
            "beginners - you don't have to sit cross-legged!",
            "An eight-week mindfulness-based stress reduction course. Participants commit to daily home practice of "
            "approximately 30 minutes.",
            "Lunchtime relaxation: breathing, body scan and a few quiet minutes.",
        ],
        vt=["library", "clinic", "community_center", "church"],
        times=["evening", "lunch", "morning"],
        free_p=0.7,
        costs=["$10 suggested donation", "$200 for the 8-week course, sliding scale"],
        online_p=0.25,
        w=0.8,
    ),
    "recovery_support": S(
        "support_wellbeing",
        ["recovery", "sobriety", "addiction", "peer support"],
        [
            "Recovery Cafe",
            "Sober Social",
            "Recovery Support Meeting",
            "Family Support for Recovery",
        ],
        [
            "Recovery support meeting, open to anyone who wants to stop drinking or using. Confidential.",
            "Sober, social and fun: our recovery cafe has pool, music, coffee and people who understand. No meetings "
            "required to hang out.",
            "The recovery support center offers peer recovery coaching, mutual aid meetings and linkage to treatment "
            "services.",
            "Late-night meeting for people who find the weekends hardest.",
        ],
        vt=["church", "clinic", "community_center"],
        times=["evening", "late", "morning"],
        free_p=1.0,
        online_p=0.15,
        age=[((18, None), 0.9), ((None, None), 0.1)],
        w=0.7,
    ),
    "veterans_group": S(
        "support_wellbeing",
        ["veterans", "military", "peer support"],
        [
            "Veterans Coffee Group",
            "{place} Vets Club",
            "Veterans Outdoor Program",
            "Veterans Connect",
        ],
        [
            "Coffee and conversation for veterans of all eras. Spouses welcome.",
            "Served? Come and meet others who have. We swap stories, help each other navigate the VA, and get out "
            "fishing and hunting together.",
            "The county veterans service office offers assistance with benefits claims, plus a monthly peer support "
            "group facilitated by a veteran peer specialist.",
            "Veteran-to-veteran peer group. Confidential, relaxed, no pressure to speak.",
        ],
        vt=["community_center", "agency", "church"],
        times=["morning", "evening"],
        free_p=1.0,
        online_p=0.1,
        age=[((18, None), 1.0)],
        w=0.5,
        regmul={"rural": 1.5},
    ),
    "youth_mentoring": S(
        "support_wellbeing",
        ["youth", "teens", "mentoring", "after school"],
        [
            "Youth Mentoring Program",
            "{place} Teen Center",
            "Youth Art Collective",
            "Big Buddy Mentoring",
        ],
        [
            "Teen drop-in: games, homework help, snacks. Ages 13-19.",
            "A safe place for young people to hang out after school - make music, play ball, talk to a youth worker if "
            "you need to.",
            "The mentoring program matches youth ages 12-18 with screened adult volunteers for weekly one-to-one "
            "activities over at least one year.",
            "Youth art collective for 16-24 year olds: murals, zines and spoken word, with paid opportunities.",
        ],
        es_names=["Centro Juvenil {place}"],
        es_desc=[
            "Centro juvenil después de la escuela: tareas, deportes y mentores que hablan español. Edades 12 a 18."
        ],
        vt=["community_center", "school", "library", "park"],
        times=["afternoon", "evening"],
        free_p=1.0,
        age=[((13, 19), 0.35), ((12, 18), 0.35), ((16, 24), 0.2), ((14, 21), 0.1)],
        w=0.7,
    ),
    # ------------------------------------------------------------------ essentials & advice
    "food_pantry": S(
        "essentials_advice",
        ["food", "groceries", "pantry", "free food"],
        [
            "{place} Food Pantry",
            "Community Pantry",
            "Mobile Food Pantry",
            "Fresh Produce Market",
            "Neighbor Pantry",
        ],
        [
            "Food pantry. Bring ID and proof of address. Once per month.",
            "Choice pantry - shop for groceries like in a store. Fresh fruit and vegetables every week. No one is turned "
            "away.",
            "The pantry distributes supplemental groceries to households within the service area whose income is at or "
            "below 200% of the federal poverty level. Self-declaration of income is accepted.",
            "Mobile pantry truck: free produce and dairy, first come first served. Bring bags.",
            "Free groceries for families, seniors, students, anyone who needs them. We also help you apply for SNAP.",
        ],
        es_names=["Despensa de Alimentos {place}", "Comida para Todos"],
        es_desc=[
            "Despensa de alimentos gratuita. Frutas, verduras y productos básicos cada semana. No se pregunta "
            "estatus migratorio.",
            "Distribución de comida gratis los sábados. Traer bolsas. Atendemos en español.",
        ],
        vt=["pantry", "church", "community_center"],
        times=["office", "morning", "evening", "weekend"],
        free_p=1.0,
        age=[((None, None), 1.0)],
        w=1.8,
    ),
    "home_delivered_meals": S(
        "essentials_advice",
        ["meals", "home delivery", "seniors", "nutrition"],
        ["Home-Delivered Meals", "{place} Senior Meal Delivery", "Hot Meals at Home"],
        [
            "Home-delivered meals for homebound seniors 60+. Weekdays. Donation requested.",
            "Our drivers bring a hot, nutritious lunch to your door - and a friendly face and a quick check-in along "
            "with it.",
            "Eligibility for the home-delivered meals program is determined by an in-home assessment. Participants must "
            "be 60 years of age or older, or the spouse of an eligible participant.",
            "Frozen meals delivered weekly to households outside town, with special diets available.",
        ],
        vt=["agency", "senior_center"],
        times=["office"],
        free_p=1.0,
        radius={"city": 6.0, "suburb": 12.0, "rural": 45.0},
        age=[((60, None), 0.8), ((None, None), 0.2)],
        w=0.5,
        regmul={"rural": 1.5},
    ),
    "housing_advice": S(
        "essentials_advice",
        ["housing", "tenants", "eviction", "rent"],
        [
            "Tenant Rights Hotline",
            "Eviction Prevention Clinic",
            "{place} Housing Counseling",
            "Rental Assistance Help Desk",
        ],
        [
            "Free tenant legal advice. Eviction defense. Walk-in clinic Wednesdays.",
            "Behind on rent or worried about losing your home? Talk to us early - our housing counselors can often "
            "negotiate with landlords and find emergency funds.",
            "HUD-approved housing counseling agency providing pre-purchase, foreclosure prevention, rental and "
            "homelessness prevention counseling. Appointments required.",
            "Emergency rental assistance applications accepted by appointment. Bring lease, ID, and any past-due notices.",
        ],
        es_names=["Asesoría para Inquilinos {place}"],
        es_desc=[
            "Asesoría gratuita para inquilinos: desalojos, reparaciones y derechos de vivienda. Atención en "
            "español.",
            "¿Atrasado con la renta? Le ayudamos a solicitar asistencia de emergencia.",
        ],
        vt=["agency"],
        times=["office"],
        free_p=1.0,
        online_p=0.1,
        age=[((18, None), 0.6), ((None, None), 0.4)],
        w=0.9,
        regmul={"rural": 0.6},
    ),
    "benefits_money_advice": S(
        "essentials_advice",
        ["benefits", "money", "debt", "taxes", "SNAP", "Medicare"],
        [
            "Benefits Access Clinic",
            "Free Tax Prep",
            "Financial Coaching",
            "{place} Money Help",
            "Medicare Counseling",
        ],
        [
            "SNAP, Medicaid and benefits enrollment help. By appointment.",
            "Money worries keeping you up at night? Our free financial coaches help you make a budget, deal with debt "
            "collectors and check you're getting every benefit you're entitled to.",
            "The Benefits Access program screens older adults and people with disabilities for public benefits "
            "including LIHEAP, SNAP, Medicare Savings Programs and property tax relief.",
            "Free tax preparation for households earning under $64,000. Bring W-2s and ID.",
            "Medicare counseling: unbiased help comparing plans during open enrollment.",
        ],
        es_names=["Ayuda con Beneficios", "Impuestos Gratis {place}"],
        es_desc=[
            "Ayuda gratuita para solicitar beneficios: estampillas de comida (SNAP), Medicaid y más. Atención en "
            "español.",
            "Preparación de impuestos gratis. Traer identificación y formularios W-2.",
        ],
        vt=["agency", "library", "senior_center"],
        times=["office", "evening"],
        free_p=1.0,
        online_p=0.1,
        age=[((18, None), 0.6), ((None, None), 0.4)],
        w=1.0,
    ),
    "transport_ride_scheme": S(
        "essentials_advice",
        ["transportation", "rides", "volunteer drivers", "seniors"],
        ["Volunteer Driver Program", "Ride Connect", "{place} Senior Rides", "Dial-a-Ride"],
        [
            "Volunteer drivers take seniors and people with disabilities to medical appointments. Book 48 hours ahead.",
            "Can't get to the doctor, the grocery store or your weekly club? Our volunteer drivers will take you there "
            "and wait for you.",
            "Demand-response transportation is available to residents of the service area. Trips must be scheduled at "
            "least one business day in advance. Fares: $2 each way.",
            "Wheelchair-accessible van rides for shopping trips every Thursday.",
        ],
        vt=["agency", "senior_center"],
        times=["office"],
        free_p=0.6,
        costs=["$2 each way", "$1 suggested donation"],
        radius={"city": 8.0, "suburb": 15.0, "rural": 50.0},
        age=[((60, None), 0.5), ((None, None), 0.5)],
        w=0.5,
        regmul={"rural": 2.0, "city": 0.7},
    ),
    "utility_assistance": S(
        "essentials_advice",
        ["heating", "utilities", "energy bills", "weatherization"],
        [
            "Energy Assistance Program",
            "Heating Help",
            "Weatherization Assistance",
            "Keep Warm Fund",
        ],
        [
            "Help paying heating and electric bills. Apply October-May.",
            "Cold house, big bill? We can help with heating costs, furnace repairs and emergency fuel deliveries for "
            "households in crisis.",
            "The Home Energy Assistance Program provides a one-time benefit toward heating costs for income-eligible "
            "households. Applicants must provide proof of income for the previous three months.",
            "Free weatherization: insulation, window repair and furnace tune-ups for eligible homeowners and renters.",
        ],
        es_names=["Ayuda con la Calefacción"],
        es_desc=[
            "Ayuda para pagar la luz y la calefacción. Solicitudes de octubre a mayo. Atención en español."
        ],
        vt=["agency"],
        times=["office"],
        free_p=1.0,
        online_p=0.08,
        age=[((18, None), 0.7), ((None, None), 0.3)],
        w=0.6,
        regmul={"rural": 1.6},
    ),
}

# Language-specific variants of the cultural community group (names, descriptions).
CULTURAL_VARIANTS = {
    "Polish": (
        ["Polish Heritage Club of {place}", "Klub Polonia {place}", "Polish Seniors' Club"],
        [
            "Polish-language social club: dancing, holiday celebrations, and Polish newspapers to read. Polish and "
            "English spoken.",
            "Meet fellow Polish speakers for coffee, cards and name-day parties. Newcomers from Poland especially "
            "welcome.",
        ],
    ),
    "Chinese": (
        [
            "Chinese Seniors Association",
            "{place} Chinese Community Social",
            "Golden Age Chinese Club",
        ],
        [
            "Chinese-speaking seniors meet for tea, mahjong and festival celebrations. Mandarin and Cantonese spoken.",
            "Social and cultural programs for Chinese American families: calligraphy, Lunar New Year events and "
            "help with forms.",
        ],
    ),
    "Arabic": (
        [
            "Arab American Family Social Circle",
            "{place} Arab Community Center",
            "Bayt Al-Jiran Neighbors Club",
        ],
        [
            "Arabic-speaking families gather for coffee, children's activities and community iftars open to all.",
            "Cultural center offering Arabic classes for kids, women's social mornings and help navigating "
            "services.",
        ],
    ),
}

# Hand-written relatedness groups (grade 2 = a closely related subtopic). Every pair inside a group is related.
RELATED_GROUPS = [
    ["watercolor_painting", "pottery_ceramics", "drawing_sketching"],
    ["watercolor_painting", "photography_club"],
    ["drawing_sketching", "photography_club"],
    ["pottery_ceramics", "knitting_circle"],
    ["community_choir", "music_jam"],
    ["community_choir", "community_theatre"],
    ["music_jam", "social_dance"],
    ["community_theatre", "creative_writing"],
    ["creative_writing", "book_club"],
    ["book_club", "lifelong_learning"],
    ["museum_gallery_visits", "museum_volunteering", "lifelong_learning"],
    ["trail_walking", "birdwatching", "conservation_volunteering"],
    ["trail_walking", "walking_group"],
    ["birdwatching", "photography_club"],
    ["community_gardening", "conservation_volunteering"],
    ["community_gardening", "cooking_class"],
    ["beach_park_cleanup", "conservation_volunteering"],
    ["open_water_swimming", "swimming_aquafit"],
    ["open_water_swimming", "paddling_club"],
    ["fishing_club", "paddling_club"],
    ["food_bank_volunteering", "literacy_tutoring_volunteer", "animal_shelter_volunteering"],
    ["befriending_service", "coffee_morning", "senior_center_social", "faith_community_lunch"],
    ["knitting_circle", "coffee_morning"],
    ["board_games_club", "coffee_morning"],
    ["mens_shed", "conservation_volunteering"],
    ["cultural_community_group", "esl_class"],
    ["chair_yoga", "tai_chi", "strength_balance"],
    ["walking_football", "pickleball_club"],
    ["walking_group", "strength_balance"],
    ["swimming_aquafit", "strength_balance"],
    ["esl_class", "ged_adult_education"],
    ["digital_skills", "job_skills", "ged_adult_education"],
    ["bereavement_support", "peer_support_mental_health"],
    ["carers_group", "peer_support_mental_health"],
    ["mindfulness_meditation", "peer_support_mental_health"],
    ["mindfulness_meditation", "tai_chi", "chair_yoga"],
    ["recovery_support", "peer_support_mental_health"],
    ["veterans_group", "peer_support_mental_health"],
    ["food_pantry", "home_delivered_meals"],
    ["food_pantry", "benefits_money_advice"],
    ["housing_advice", "benefits_money_advice"],
    ["benefits_money_advice", "utility_assistance"],
    ["transport_ride_scheme", "home_delivered_meals"],
]

# ---------------------------------------------------------------------------------------------------------
# What people say. Each need: en (list), es (list), t3 (target subtopics -> relevance 3 when reachable and
# eligible), r2 (extra related subtopics -> 2), age (lo, hi) of people who'd plausibly say it, w (weight).
# Subtopic-level needs have t3 = [the subtopic]; broader needs map to several subtopics.
# ---------------------------------------------------------------------------------------------------------


def N(t3, en, es=(), r2=(), age=(18, 90), w=1.0):
    return dict(t3=list(t3), en=list(en), es=list(es), r2=list(r2), age=age, w=w)


NEEDS = {
    # --- subtopic-level wishes
    "watercolor_painting": N(
        ["watercolor_painting"],
        [
            "I used to paint a bit when I was younger, little landscapes mostly, and I miss having something to do with my hands.",
            "My granddaughter gave me a set of paints for Christmas and they're still in the box. I'd love someone to show me what to do with them.",
            "Art was the only subject I was ever any good at. I keep thinking about picking up a brush again.",
            "I like colors, flowers, pretty things. Making pictures of them would be nice.",
            "Before the kids came along I was always doing little pictures for birthday cards.",
        ],
        es=[
            "Me gustaría volver a pintar. De joven pintaba paisajes y me hacía muy feliz.",
            "Siempre quise aprender a pintar pero nunca tuve tiempo.",
        ],
        age=(25, 90),
    ),
    "pottery_ceramics": N(
        ["pottery_ceramics"],
        [
            "I've always fancied making a bowl or a mug from scratch. I saw it on TV and it looked so calming.",
            "I need something messy and hands-on, I'm not a sit-and-talk person.",
            "My hands are stiff from the arthritis and the OT said squeezing and shaping things would help them.",
            "I made an ashtray in school fifty years ago and I still think about how proud I was.",
        ],
        es=["Quisiera hacer algo con las manos, como trabajar el barro."],
        age=(20, 85),
    ),
    "drawing_sketching": N(
        ["drawing_sketching"],
        [
            "I doodle all the time on the back of envelopes. My daughter says I should do it properly.",
            "I sit on the porch and wish I could put down on paper what I see.",
            "I was good at art as a kid, portraits of the family with a pencil.",
            "I want something quiet where I can concentrate on something other than my worries. Just a pencil would do.",
        ],
        age=(16, 85),
    ),
    "community_choir": N(
        ["community_choir"],
        [
            "I love to sing. I belt along to the radio all day but there's nobody to hear it.",
            "I sang with the church choir back home and I really miss the harmonies.",
            "My breathing isn't great since I had Covid and someone said using your voice helps the lungs.",
            "I can't read a note but I'd love to make some noise with other people.",
            "When I hear the old hymns I feel like myself again.",
        ],
        es=[
            "Me encanta cantar. En mi pueblo cantaba en el coro de la iglesia y lo extraño mucho.",
            "Cuando canto se me olvidan las penas.",
        ],
        age=(18, 90),
    ),
    "community_theatre": N(
        ["community_theatre"],
        [
            "I was always the class clown. I did a couple of plays in high school and loved every minute.",
            "I want my confidence back. I used to be outgoing and now I can't even speak up at the store.",
            "I'd love to be part of putting on a show, even if it's just painting scenery or sewing costumes.",
            "Pretending to be someone else for an hour sounds like heaven right now.",
        ],
        es=["De joven hacía teatro en la escuela y me encantaba subir al escenario."],
        age=(16, 80),
    ),
    "music_jam": N(
        ["music_jam"],
        [
            "I used to be in a band before the kids. My guitar's been under the bed for fifteen years.",
            "I play the fiddle, badly, and I'd love to play along with other folks.",
            "I was a drummer in my twenties. I miss the racket and the people.",
            "I bought a ukulele during lockdown and I know about four chords. It'd be fun to strum with others.",
            "Music was my life before the accident.",
        ],
        es=["Toco la guitarra desde chico pero ya nunca toco con nadie."],
        age=(18, 80),
    ),
    "creative_writing": N(
        ["creative_writing"],
        [
            "I keep journals, have done for years. Sometimes I think about letting someone read them.",
            "I want to put my life story down for the grandkids before I forget it all.",
            "Poems help me get things out of my head. I've never shown anyone though.",
            "I've always wanted to write a book. I have the ideas, just not the discipline.",
        ],
        age=(16, 90),
    ),
    "photography_club": N(
        ["photography_club"],
        [
            "I got a good camera when I retired and I only ever use it on auto.",
            "I snap everything on my phone, sunsets, my dog, the lake. People say my shots are good.",
            "I like looking at things closely, noticing little details. I'd like to do something with that.",
        ],
        age=(18, 85),
    ),
    "museum_gallery_visits": N(
        ["museum_gallery_visits"],
        [
            "I haven't been inside a museum in twenty years. I used to love looking at old things and pictures.",
            "My husband has early dementia and we used to go to exhibitions together. I'd like us to have that again.",
            "I'd like to go and see some beautiful things, somewhere calm and quiet.",
        ],
        age=(30, 90),
        w=0.7,
    ),
    "book_club": N(
        ["book_club"],
        [
            "I read constantly but I've got nobody to talk to about the stories.",
            "I'm a big reader, whodunits mainly. My wife was too. Now there's no one to chew them over with.",
            "I get through three novels a week. It would be nice to discuss them with actual people.",
        ],
        es=["Me encanta leer pero no tengo con quién comentar los libros."],
        age=(20, 90),
    ),
    "community_gardening": N(
        ["community_gardening"],
        [
            "I had a big vegetable patch at our old house. Now I'm in an apartment and I miss getting my hands in the dirt.",
            "I want to grow tomatoes. That's it really. And maybe meet some people.",
            "Being outside with plants is the only time my head feels quiet.",
            "I'm interested in gardening but I don't have a yard.",
            "My mother grew everything we ate back in Jamaica. I'd like to do that here.",
        ],
        es=[
            "Extraño mi huerta. En México sembraba chiles, tomates y maíz en el patio.",
            "Quiero algo al aire libre, con plantas. La tierra me tranquiliza.",
        ],
        age=(18, 88),
        w=1.2,
    ),
    "birdwatching": N(
        ["birdwatching"],
        [
            "I love watching the birds at my feeder. I'd like to know what they all are.",
            "My late husband knew every bird call. I want to learn them so I feel close to him.",
            "I sit on the back step with my coffee and watch the cardinals. It's the best part of my day.",
            "I'd like an excuse to be out early in the morning, quiet, looking for wildlife.",
        ],
        es=["Me gusta mucho mirar los pájaros del parque y saber cómo se llaman."],
        age=(25, 90),
    ),
    "trail_walking": N(
        ["trail_walking"],
        [
            "I'd like to get out into the woods, not just round the block.",
            "I used to hike a lot before my divorce. I've lost the habit and I don't like going alone.",
            "Being among trees makes me feel better, and my doctor says I need to move more too.",
            "I want to explore the forest preserves but I don't know the routes and I worry about getting lost.",
            "Fresh air. Long rambles. Somewhere green.",
        ],
        es=["Quiero salir al campo, andar entre los árboles y respirar aire puro."],
        age=(18, 82),
        w=1.1,
    ),
    "open_water_swimming": N(
        ["open_water_swimming"],
        [
            "I grew up swimming in the lake every summer. I want to do that again but it's not safe on my own.",
            "I've read that cold water is good for depression. I'd like to try it with other people.",
            "I'm a strong swimmer and pools bore me. I want to be outside in real water.",
        ],
        age=(18, 75),
        w=0.5,
    ),
    "fishing_club": N(
        ["fishing_club"],
        [
            "Me and my dad used to fish every weekend. I haven't held a rod since he died.",
            "I just want to sit by the water with a line in. Peace and quiet.",
            "I'd like to teach my grandson to fish but I've forgotten most of it myself.",
            "Ice fishing was my winter thing until I sold the truck.",
        ],
        age=(16, 88),
        w=0.7,
    ),
    "paddling_club": N(
        ["paddling_club"],
        [
            "I've always wanted to try kayaking. The lakes around here are beautiful and I never get out on them.",
            "I used to canoe at summer camp as a kid. I'd love to be out on the water again.",
            "Something on the water, calm, in nature. My arms are still strong even if my legs aren't.",
        ],
        age=(16, 78),
        w=0.5,
    ),
    "museum_volunteering": N(
        ["museum_volunteering"],
        [
            "I'm a retired history teacher and I'm going stir crazy. I'd like to be useful.",
            "I love old things and the stories behind them. Maybe I could help out somewhere that looks after all that.",
            "I want to give something back and I like explaining things to people.",
        ],
        age=(18, 85),
        w=0.6,
    ),
    "conservation_volunteering": N(
        ["conservation_volunteering"],
        [
            "I want to do something useful outdoors, for the environment. Physical work is fine by me.",
            "I worry about the planet all the time. I'd feel better doing something practical about it.",
            "I retired from the parks department. I miss being out in the woods working with my hands.",
            "I'd like to help nature in some way. Planting trees, that kind of thing.",
        ],
        age=(16, 80),
    ),
    "beach_park_cleanup": N(
        ["beach_park_cleanup"],
        [
            "The trash in my neighborhood drives me crazy. I'd happily pick some up if others were doing it too.",
            "I walk along the lake every day and see all the plastic. I'd like to do something about it.",
            "I'd like a small way to give back, an hour here and there, outside.",
        ],
        es=["Me molesta ver tanta basura en el parque. Me gustaría ayudar a que esté bonito."],
        age=(14, 80),
        w=0.7,
    ),
    "food_bank_volunteering": N(
        ["food_bank_volunteering"],
        [
            "When I was out of work the food pantry kept us going. I want to pay that back.",
            "I need a reason to get out of bed in the morning. Somewhere people are counting on me.",
            "I'm retired and I want to be useful. I don't mind lifting boxes.",
            "I like to keep busy and help people who are struggling.",
        ],
        es=["Quiero ayudar a otras familias como me ayudaron a mí cuando no teníamos qué comer."],
        age=(16, 82),
    ),
    "animal_shelter_volunteering": N(
        ["animal_shelter_volunteering"],
        [
            "I had to give up my dog when I moved into this apartment and I miss her terribly.",
            "Animals are easier than people for me. I'd love to be around dogs again.",
            "I adore cats and I can't have one where I live. Maybe I could help look after some.",
            "Walking a dog would get me out of the house, but I can't own one.",
        ],
        age=(18, 80),
    ),
    "literacy_tutoring_volunteer": N(
        ["literacy_tutoring_volunteer"],
        [
            "I was a teacher for thirty years. I miss kids and I miss feeling useful.",
            "I'd like to help someone learn to read. My grandmother couldn't and it held her back all her life.",
            "I love reading with my grandkids but they're far away now.",
        ],
        age=(22, 85),
        w=0.7,
    ),
    "befriending_service": N(
        ["befriending_service"],
        [
            "Days go by and the only person I speak to is the girl at the checkout.",
            "I'd just like someone to call me now and then. Check I'm still alive, you know.",
            "I can't really get out of the house much now. Some company at home would be nice.",
            "My hearing aid and my cat are my only company.",
        ],
        es=[
            "Me gustaría que alguien me llamara de vez en cuando, para platicar un rato.",
            "Ya casi no salgo de la casa y paso los días sola.",
        ],
        age=(55, 95),
        w=1.1,
    ),
    "coffee_morning": N(
        ["coffee_morning"],
        [
            "I'd like somewhere to go where I can just sit and talk over a hot drink.",
            "I'm not one for classes or activities. I just want to be around people.",
            "Some mornings I go to the mall just to be around other folks.",
            "I'm fine on my own mostly but some chit-chat would do me good.",
        ],
        es=["Me gustaría un lugar para tomar algo caliente y platicar con gente."],
        age=(25, 95),
    ),
    "mens_shed": N(
        ["mens_shed"],
        [
            "I was a carpenter my whole life. Since I retired I just sit in front of the TV.",
            "I'm no good at talking about feelings but I'd happily tinker with things alongside other guys.",
            "My wife says I'm under her feet all day. I need a project.",
            "I've got a garage full of tools and nobody to build anything for.",
        ],
        age=(45, 92),
        w=0.7,
    ),
    "knitting_circle": N(
        ["knitting_circle"],
        [
            "I knit while I watch TV. It'd be nicer doing it with other ladies.",
            "My mom taught me to crochet and I've forgotten it all. I'd like to pick it back up.",
            "I made blankets for all my grandkids. I'd like to make some for people who need them.",
        ],
        es=["Me gusta tejer y bordar. Extraño las tardes tejiendo con mis hermanas."],
        age=(20, 95),
    ),
    "faith_community_lunch": N(
        ["faith_community_lunch"],
        [
            "I eat every meal alone. It'd be nice to sit at a table with people again.",
            "My church was my whole social life before I moved here.",
            "Cooking for one is miserable. Half the time I just have toast.",
            "I'd like a proper hot dinner with some company once a week.",
        ],
        es=["Como sola todos los días. Me gustaría compartir la mesa con otras personas."],
        age=(30, 95),
    ),
    "senior_center_social": N(
        ["senior_center_social"],
        [
            "I'm 78 and all my friends are gone or in homes. I need people my own age.",
            "I used to play cards every Friday with the girls. There's only me left now.",
            "I'd like somewhere to go during the day, play some bingo, have a laugh.",
        ],
        es=["Quiero ir a algún lugar con gente de mi edad para jugar lotería y platicar."],
        age=(62, 95),
    ),
    "parent_toddler_group": N(
        ["parent_toddler_group"],
        [
            "I'm home all day with the baby and I haven't spoken to an adult in days.",
            "We moved here when I was pregnant and I don't know any other moms.",
            "My toddler needs other kids to play with, and honestly so do I.",
            "I'm a stay-at-home dad and it's really isolating.",
        ],
        es=[
            "Estoy en casa todo el día con mi bebé y no conozco a otras mamás.",
            "Mi hijo necesita jugar con otros niños y yo necesito hablar con otros padres.",
        ],
        age=(19, 42),
        w=0.9,
    ),
    "board_games_club": N(
        ["board_games_club"],
        [
            "I love chess but my son's moved away and there's nobody to play.",
            "I used to play bridge every week before my husband got ill.",
            "Games nights were my favorite thing in college. I'd like that again.",
            "I'm good at puzzles and strategy. I'd like something that uses my brain with other people.",
        ],
        age=(16, 90),
        w=0.7,
    ),
    "cultural_community_group": N(
        ["cultural_community_group"],
        [
            "We came here two years ago and I still don't have friends. I miss my people and my food.",
            "I'd like to meet others from my country. It's hard being so far away.",
            "Back home everyone knew us. Here we are strangers.",
        ],
        es=[
            "Llegué hace poco a este país y extraño mi tierra, mi gente, mis costumbres.",
            "Somos nuevos aquí y no conocemos a nadie.",
        ],
        age=(18, 85),
        w=0.8,
    ),
    "chair_yoga": N(
        ["chair_yoga"],
        [
            "My back is terrible and I can't get down on the floor, but I'd like to stretch.",
            "I'm stiff as a board in the mornings. Something gentle to loosen up.",
            "I'm in a wheelchair most of the time but I want to move what I can.",
            "The doctor says I need to be more flexible to stop me falling.",
        ],
        es=["Tengo dolor de espalda y quiero hacer ejercicio suave, sentada."],
        age=(45, 95),
    ),
    "tai_chi": N(
        ["tai_chi"],
        [
            "I've seen people doing those slow movements in the park in the morning. It looks so peaceful.",
            "My balance is going and I'm scared of going over again.",
            "I practiced something like that in China when I was young. My body remembers it a little.",
        ],
        es=["Me gustaría hacer ejercicio tranquilo para el equilibrio, algo lento."],
        age=(35, 92),
        w=0.8,
    ),
    "walking_football": N(
        ["walking_football"],
        [
            "I played soccer my whole life till my knees gave out. I miss being on a team.",
            "I used to be a goalkeeper. I'd give anything for a kickabout with the guys.",
            "I miss the banter of team sports. Running's out for me though.",
        ],
        es=["Jugaba fútbol de joven y lo extraño, pero ya no puedo correr."],
        age=(50, 85),
        w=0.5,
    ),
    "swimming_aquafit": N(
        ["swimming_aquafit"],
        [
            "The pool is the only place my joints don't hurt.",
            "I never learned to swim and I'm embarrassed about it at my age.",
            "I'm too heavy for most exercise but I feel light in the water.",
        ],
        es=[
            "Nunca aprendí a nadar y me da vergüenza.",
            "Me duelen las rodillas, pero en el agua me siento bien.",
        ],
        age=(18, 90),
    ),
    "walking_group": N(
        ["walking_group"],
        [
            "I should walk more but I never do it on my own. I need someone to drag me out.",
            "I'd like to get a bit fitter, nothing too serious, and not by myself.",
            "I've put on weight since I stopped working. Strolling with company would help.",
        ],
        es=["El doctor dice que tengo que caminar más, pero sola me da flojera."],
        age=(25, 90),
    ),
    "social_dance": N(
        ["social_dance"],
        [
            "I used to go dancing every Saturday night when I was young. I miss it so much.",
            "My husband and I danced together for forty years. I'd like to dance again, even without him.",
            "I love music you can move to. Swing, salsa, anything.",
        ],
        es=["Me encanta bailar cumbia y salsa. Antes bailaba cada fin de semana."],
        age=(20, 90),
    ),
    "strength_balance": N(
        ["strength_balance"],
        [
            "I've had two falls this year and now I'm scared to go out.",
            "My legs are getting weak. I want to be able to get up out of a chair without help.",
            "After my hip replacement I need to get my strength back.",
        ],
        es=["Me caí dos veces este año y quiero fortalecer las piernas."],
        age=(58, 95),
    ),
    "pickleball_club": N(
        ["pickleball_club"],
        [
            "My neighbors keep going on about pickleball. I want to see what the fuss is about.",
            "I played tennis for years but it's too much for me now. Something similar but easier.",
            "I'd like a sport that's competitive but won't kill me.",
        ],
        age=(30, 85),
        w=0.7,
    ),
    "esl_class": N(
        ["esl_class"],
        [
            "My English is not good. I want to talk to the doctor without my son translating.",
            "I understand a lot but I am shy to speak. I need practice.",
            "I want to learn English so I can get a better job.",
        ],
        es=[
            "Quiero aprender inglés para poder hablar con los maestros de mis hijos.",
            "Necesito practicar inglés. Entiendo un poco pero me da pena hablar.",
        ],
        age=(18, 80),
    ),
    "digital_skills": N(
        ["digital_skills"],
        [
            "Everything is online now and I don't know how to do any of it.",
            "My grandkids send me videos and I can't open them.",
            "I got an iPad for my birthday and it just sits there.",
            "I'd like to be able to pay my bills and do my banking on the computer like everyone else.",
        ],
        es=[
            "No sé usar la computadora y ahora todo es por internet.",
            "Quiero aprender a usar el celular para hablar con mi familia en mi país.",
        ],
        age=(30, 95),
    ),
    "cooking_class": N(
        ["cooking_class"],
        [
            "I never learned to cook. My wife did all of it and now I live on microwave dinners.",
            "I want to eat better for my diabetes but I don't know where to start.",
            "I'd like to learn to make cheap dinners that my kids will actually eat.",
        ],
        es=["Quiero aprender a cocinar más sano por mi diabetes."],
        age=(18, 90),
        w=0.8,
    ),
    "ged_adult_education": N(
        ["ged_adult_education"],
        [
            "I left school at 15. I'd like to finally get my diploma.",
            "I can't read very well and I've hidden it my whole life.",
            "I want to go back to studying. I never finished high school.",
        ],
        es=["Nunca terminé la escuela y quiero sacar mi diploma."],
        age=(17, 60),
        w=0.7,
    ),
    "job_skills": N(
        ["job_skills"],
        [
            "I've been out of work eight months and I'm losing hope.",
            "I want to get back to work after raising my kids but I don't know where to begin.",
            "I got laid off and I haven't had to look for a job in twenty years.",
        ],
        es=["Perdí mi trabajo y necesito ayuda para encontrar otro."],
        age=(18, 64),
    ),
    "lifelong_learning": N(
        ["lifelong_learning"],
        [
            "My brain needs exercise. I'm bored out of my mind since retiring.",
            "I've always wanted to learn about history, properly, not just TV documentaries.",
            "I miss being a student. Ideas, debates, that sort of thing.",
        ],
        age=(45, 92),
        w=0.7,
    ),
    "bereavement_support": N(
        ["bereavement_support"],
        [
            "Since my wife passed I don't really talk to anyone.",
            "My son died last year. People stopped asking how I am.",
            "I lost my husband in March and I don't know who I am without him.",
            "Everyone says it gets easier but it hasn't.",
            "Mom died at Christmas and I can't stop crying at work.",
        ],
        es=[
            "Desde que murió mi esposo me siento muy sola.",
            "Perdí a mi hijo y no puedo hablar de eso con mi familia.",
        ],
        r2=["befriending_service", "coffee_morning"],
        age=(20, 95),
        w=1.4,
    ),
    "carers_group": N(
        ["carers_group"],
        [
            "I look after my mum who has Alzheimer's. I haven't had a day off in two years.",
            "My husband had a stroke and I do everything for him now. I'm exhausted.",
            "I care for my disabled son and nobody around me understands what it's like.",
        ],
        es=["Cuido a mi mamá que tiene demencia y estoy agotada."],
        r2=["mindfulness_meditation"],
        age=(25, 88),
    ),
    "peer_support_mental_health": N(
        ["peer_support_mental_health"],
        [
            "I've been really low for months. I don't want pills, I want to talk to people who get it.",
            "My anxiety is through the roof. I'd like to meet others who deal with it.",
            "I've got depression and I feel like I'm the only one.",
        ],
        es=["Me siento muy triste y sin ganas de nada desde hace meses."],
        age=(18, 80),
    ),
    "mindfulness_meditation": N(
        ["mindfulness_meditation"],
        [
            "My mind never stops racing. I can't switch off at night.",
            "Stress is making me ill. I need to learn to calm down.",
            "I'd like to learn how to relax properly. Breathing or something.",
        ],
        age=(18, 85),
        w=0.8,
    ),
    "recovery_support": N(
        ["recovery_support"],
        [
            "I've been sober four months. Weekends are the hardest.",
            "I drink too much and I know it. I'd like to be around people who don't.",
            "I'm out of rehab and all my old friends still use.",
        ],
        age=(20, 75),
        w=0.7,
    ),
    "veterans_group": N(
        ["veterans_group"],
        [
            "I served two tours in Iraq. Civilians don't get it.",
            "I'm a Vietnam vet. Most of the guys I knew are gone now.",
            "I left the Army last year and I feel lost.",
        ],
        age=(24, 90),
        w=0.6,
    ),
    "youth_mentoring": N(
        ["youth_mentoring"],
        [
            "I'm 16 and I've got nowhere to go after school. My mom works late.",
            "I just need someone older to talk to who isn't my parents.",
            "I'm bored all the time and I keep getting in trouble.",
        ],
        es=["Tengo 15 años y después de la escuela no tengo a dónde ir."],
        age=(14, 19),
        w=0.6,
    ),
    "food_pantry": N(
        ["food_pantry"],
        [
            "We run out of food before the end of the month. I skip meals so the kids can eat.",
            "I'm choosing between groceries and the electric bill.",
            "My SNAP got cut and the fridge is empty.",
            "There's nothing in the cupboards till payday.",
        ],
        es=[
            "No nos alcanza para la comida. A fin de mes no hay nada en el refri.",
            "Necesito ayuda con comida para mis hijos.",
        ],
        age=(18, 90),
        w=1.4,
    ),
    "home_delivered_meals": N(
        ["home_delivered_meals"],
        [
            "I can't stand long enough to cook anymore.",
            "Since the surgery I can't get out to shop and I'm living on crackers.",
            "I'm not eating properly. Getting to the store is a whole expedition now.",
        ],
        age=(65, 95),
        w=0.6,
    ),
    "housing_advice": N(
        ["housing_advice"],
        [
            "I'm three months behind on rent and the landlord's threatening to throw us out.",
            "My apartment has mold and no heat and the landlord won't fix anything.",
            "I got a notice on my door saying I have to leave.",
        ],
        es=[
            "Debo tres meses de renta y el dueño me quiere sacar.",
            "Mi departamento tiene humedad y el dueño no arregla nada.",
        ],
        age=(18, 88),
        w=1.0,
    ),
    "benefits_money_advice": N(
        ["benefits_money_advice"],
        [
            "I'm drowning in debt and the collectors won't stop calling.",
            "I don't know if I can get any help, the forms are too confusing.",
            "My hours got cut and I don't know what I'm entitled to.",
            "I can't afford my medicines on my pension.",
        ],
        es=[
            "No sé qué ayudas me corresponden, los papeles son muy complicados.",
            "Tengo muchas deudas y no sé qué hacer.",
        ],
        age=(18, 92),
        w=1.1,
    ),
    "transport_ride_scheme": N(
        ["transport_ride_scheme"],
        [
            "I stopped driving after my eyesight went and now I'm stuck at home.",
            "I can't get to my appointments, the bus doesn't come out here.",
            "No car, no bus, no way to get anywhere.",
        ],
        age=(40, 95),
        w=0.6,
    ),
    "utility_assistance": N(
        ["utility_assistance"],
        [
            "The heating bill last winter nearly finished me.",
            "They're going to shut off my gas.",
            "I keep the thermostat at 55 because I can't afford more.",
        ],
        es=["No puedo pagar la luz y el gas, ya me llegó el aviso de corte."],
        age=(18, 95),
        w=0.8,
    ),
    # --- broader needs mapping to several subtopics
    "loneliness": N(
        [
            "befriending_service",
            "coffee_morning",
            "faith_community_lunch",
            "senior_center_social",
            "board_games_club",
            "knitting_circle",
            "mens_shed",
        ],
        [
            "I'm lonely, if I'm honest. I don't see anybody from one week to the next.",
            "My kids live out of state and the house is very quiet.",
            "I feel invisible. Nobody would notice if I disappeared.",
            "Since I retired I've got no one to talk to.",
            "I moved here for work and I'm on my own every evening.",
            "I just want a bit of company.",
        ],
        es=[
            "Me siento muy sola, mis hijos viven lejos.",
            "Casi no hablo con nadie en toda la semana.",
        ],
        r2=["walking_group", "community_choir", "lifelong_learning"],
        age=(40, 95),
        w=2.2,
    ),
    "low_mood": N(
        ["peer_support_mental_health", "mindfulness_meditation"],
        [
            "I've not been myself. I don't enjoy anything anymore.",
            "My nerves are bad. I need something to take my mind off things.",
            "The doctor says it's stress but I just feel flat all the time.",
            "I've been stuck indoors with my thoughts and it's not good for me.",
        ],
        es=["Me siento deprimida y no tengo ganas de nada.", "Ando muy nerviosa, no duermo bien."],
        r2=["walking_group", "community_gardening", "trail_walking"],
        age=(18, 85),
        w=1.3,
    ),
    "move_more": N(
        ["walking_group", "chair_yoga", "strength_balance", "swimming_aquafit", "tai_chi"],
        [
            "The doctor says I need to move more but gyms aren't me.",
            "I need to lose weight for my heart. I've been told to get active.",
            "I'm so unfit, stairs leave me breathless.",
            "My sugar's high and the nurse keeps on at me about exercise.",
        ],
        es=["El médico me dijo que tengo que hacer ejercicio, pero el gimnasio no es para mí."],
        r2=["walking_football", "pickleball_club", "social_dance", "trail_walking"],
        age=(30, 92),
        w=1.6,
    ),
    "purpose": N(
        [
            "food_bank_volunteering",
            "conservation_volunteering",
            "museum_volunteering",
            "animal_shelter_volunteering",
            "literacy_tutoring_volunteer",
            "beach_park_cleanup",
        ],
        [
            "I want to feel useful again.",
            "Since I retired I've got no purpose. I was somebody at work.",
            "I'd like to give something back to the community.",
            "I'd like to volunteer somewhere, I've got time on my hands.",
        ],
        es=["Quiero sentirme útil y ayudar a los demás."],
        r2=["mens_shed"],
        age=(18, 85),
        w=1.3,
    ),
    "new_to_area": N(
        ["cultural_community_group", "coffee_morning"],
        [
            "We just moved here and I don't know anyone.",
            "I'm new in town and my husband works all the time.",
            "I've been here a year and I still haven't made a single friend.",
        ],
        es=["Acabamos de mudarnos y no conozco a nadie."],
        r2=["esl_class", "faith_community_lunch", "board_games_club"],
        age=(18, 85),
        w=0.9,
    ),
    "creative": N(
        ["watercolor_painting", "pottery_ceramics", "drawing_sketching"],
        [
            "I'd like to do something creative. I've never been arty but I want to try.",
            "I need something for me, where I make things with my own hands.",
            "I want to make something beautiful for once.",
        ],
        es=["Quiero hacer algo creativo, algo solo para mí."],
        r2=["creative_writing", "photography_club", "knitting_circle"],
        age=(18, 90),
        w=1.0,
    ),
    "music": N(
        ["community_choir", "music_jam"],
        [
            "Music is the thing that keeps me going.",
            "I'd love to make music with other people again.",
        ],
        es=["La música es lo que me da vida."],
        r2=["social_dance", "community_theatre"],
        age=(16, 90),
        w=0.8,
    ),
    "outdoors": N(
        ["trail_walking", "birdwatching", "community_gardening"],
        [
            "I'd like to get outdoors more.",
            "I spend all day indoors staring at four walls.",
            "I need fresh air and green things around me.",
        ],
        es=["Paso todo el día encerrada, quiero salir al aire libre."],
        r2=["conservation_volunteering", "walking_group", "paddling_club", "fishing_club"],
        age=(18, 88),
        w=1.2,
    ),
    "work_learning": N(
        ["job_skills", "ged_adult_education", "digital_skills"],
        [
            "I want to better myself, get some qualifications.",
            "I feel stuck. I'd like to learn something that leads somewhere.",
        ],
        es=["Quiero superarme, estudiar algo que me sirva para trabajar."],
        r2=["esl_class", "lifelong_learning"],
        age=(18, 60),
        w=0.8,
    ),
}

# Barriers / context clauses: text (en, es) and effects on the structured referral fields.
# effects: acc (accessibility codes needed), travel ("nocar"), free_only, online_ok, avail (availability list)
BARRIERS = {
    "knees": dict(
        en=[
            "My knees are bad so nothing with lots of stairs.",
            "I've got bad knees.",
            "My hips aren't what they were.",
        ],
        es=["Tengo las rodillas mal, no puedo subir escaleras."],
        acc=["step_free"],
        age=(45, 95),
    ),
    "wheelchair": dict(
        en=["I use a wheelchair.", "I'm in a chair since the stroke, so it has to be accessible."],
        es=["Uso silla de ruedas."],
        acc=["wheelchair", "accessible_toilet"],
        age=(18, 95),
    ),
    "walker": dict(
        en=["I get about with a walker these days.", "I can't stand for long."],
        es=["Camino con andadera y no aguanto mucho de pie."],
        acc=["step_free", "seated_options"],
        age=(60, 95),
    ),
    "hearing": dict(
        en=["I'm hard of hearing, I miss a lot in noisy rooms.", "My hearing's going."],
        es=["No oigo bien, en lugares ruidosos no entiendo nada."],
        acc=["hearing_loop"],
        age=(50, 95),
    ),
    "deaf": dict(
        en=["I'm Deaf and I sign."],
        es=["Soy sorda y me comunico en lengua de señas."],
        acc=["sign_language"],
        age=(18, 90),
        w=0.3,
    ),
    "sight": dict(
        en=["My eyesight is poor, I can't read small print.", "I've got macular degeneration."],
        es=["No veo bien las letras pequeñas."],
        acc=["large_print"],
        age=(55, 95),
    ),
    "crowds": dict(
        en=[
            "Big crowds make me panic.",
            "I get anxious in busy, noisy places.",
            "I can't do big groups, I freeze up.",
        ],
        es=["Los lugares con mucha gente me ponen muy nerviosa."],
        acc=["quiet_space"],
        age=(16, 90),
    ),
    "nocar": dict(
        en=["I don't have a car.", "I don't drive.", "I gave up the car last year."],
        es=["No tengo carro.", "No manejo."],
        travel="nocar",
        age=(16, 95),
        w=1.3,
    ),
    "nights": dict(
        en=["I work nights, so daytimes are tricky.", "I do night shifts at the warehouse."],
        es=["Trabajo de noche."],
        avail=["weekday afternoons", "weekends"],
        age=(18, 64),
    ),
    "dayjob": dict(
        en=["I work nine to five.", "I can only do things after work or at weekends."],
        es=["Trabajo entre semana todo el día."],
        avail=["evenings", "weekends"],
        age=(18, 66),
    ),
    "child": dict(
        en=["I'd have to bring my little one with me.", "I've got the baby with me most days."],
        es=["Tendría que llevar a mi niño conmigo."],
        avail=["weekday mornings"],
        age=(19, 45),
    ),
    "money": dict(
        en=[
            "Money is tight so it would have to be free.",
            "I can't pay for anything right now.",
            "Money's tight.",
        ],
        es=["No tengo dinero, tendría que ser gratis.", "El dinero no alcanza."],
        free_only=True,
        age=(16, 95),
        w=1.5,
    ),
    "nocomputer": dict(
        en=["I don't do computers.", "I'm not on the internet."],
        es=["No sé usar la computadora."],
        online_ok=False,
        age=(55, 95),
    ),
    "shy": dict(
        en=[
            "I get nervous meeting new people.",
            "I'm quite shy.",
            "I haven't done anything like this before.",
        ],
        es=["Me da pena conocer gente nueva."],
        age=(16, 95),
    ),
    "caring": dict(
        en=[
            "I can only get away for an hour or two, I look after my husband.",
            "I can't leave my mother alone for long.",
        ],
        es=["No puedo dejar sola a mi mamá mucho tiempo."],
        avail=["weekday mornings"],
        age=(30, 88),
    ),
}

OPENERS_EN = [
    "It's been a hard year.",
    "My doctor sent me, I'm not sure what you do.",
    "Where do I start.",
    "Honestly, I don't know.",
    "My daughter made me come.",
    "I'll be honest with you.",
    "I'm not really sure.",
    "Okay.",
    "Well,",
    "Things haven't been great.",
    "I'm fine, mostly.",
]
OPENERS_ES = [
    "La doctora me mandó aquí.",
    "No sé ni por dónde empezar.",
    "Mi hija me dijo que viniera.",
    "Pues, la verdad,",
    "Ha sido un año difícil.",
]
CLOSERS_EN = [
    "I'm not sure what's out there.",
    "Anything really.",
    "Nothing too formal.",
    "I don't know if that's the kind of thing you help with.",
    "That's about it.",
    "I'd give most things a go.",
]
CLOSERS_ES = [
    "No sé qué hay por aquí.",
    "Lo que sea, la verdad.",
    "No sé si ustedes ayudan con eso.",
]
CONNECT_EN = [
    "Also,",
    "And",
    "Oh, and",
    "On top of that,",
    "Plus",
    "Apart from that,",
    "I suppose too",
]
CONNECT_ES = ["Y también", "Además,", "Ah, y"]

TYPOS = {
    "gardening": "gardning",
    "volunteer": "voluntear",
    "lonely": "lonley",
    "because": "becuase",
    "really": "realy",
    "anything": "anythign",
    "definitely": "definately",
    "people": "poeple",
    "exercise": "excercise",
    "neighbors": "nieghbors",
    "neighbours": "nieghbours",
    "anxiety": "anxeity",
    "someone": "somone",
    "something": "somthing",
    "friends": "freinds",
    "since": "sinse",
    "doctor": "docter",
    "their": "there",
    "English": "englsh",
    "knees": "kness",
    "husband": "husbnad",
    "tomatoes": "tomatos",
    "balance": "balence",
    "weight": "wieght",
    "usually": "usualy",
    "nobody": "noboby",
    "beautiful": "beatiful",
    "breathing": "breathng",
    "grandkids": "grankids",
    "apartment": "appartment",
    "interested": "intrested",
    "environment": "enviroment",
    "Alzheimer's": "alzheimers",
    "exhausted": "exausted",
    "embarrassed": "embarassed",
    "whole": "hole",
}
ES_ACCENTS = str.maketrans("áéíóúñ", "aeioun")

# Venue vocabularies per region kind. {place}, {street} and {faith} are filled in by the generator.
VENUES = {
    "city": {
        "library": ["the {place} Branch Library", "the {place} branch of the public library"],
        "park": ["the {place} Park fieldhouse", "the fieldhouse at {place} Park"],
        "church": ["{faith}"],
        "community_center": [
            "the {place} Community Center",
            "the {place} Neighborhood House",
            "a storefront on {street}",
        ],
        "senior_center": ["the {place} Senior Center", "the {place} Regional Senior Center"],
        "arts_center": [
            "the {place} Arts Center",
            "a storefront studio on {street}",
            "the {place} Cultural Center",
        ],
        "ymca": ["the {place} YMCA", "the {place} Park District pool"],
        "nature": [
            "Montrose Point",
            "North Park Village Nature Center",
            "the Humboldt Park lagoon",
            "Jackson Park's Wooded Island",
            "LaBagh Woods",
            "the Lakefront Trail at Fullerton",
            "Big Marsh Park",
            "the 606 trail",
            "the Burnham Wildlife Corridor",
            "Rainbow Beach",
            "Garfield Park Conservatory",
            "the river walk at {place}",
        ],
        "agency": [
            "the {place} Community Services office",
            "the {place} Neighborhood Resource Center",
            "the {place} Family Services office",
        ],
        "school": [
            "{place} High School",
            "the {place} Adult Learning Center",
            "the {place} community college campus",
        ],
        "museum": [
            "the {place} Historical Society museum",
            "the neighborhood history museum",
            "the {place} Art Gallery",
        ],
        "clinic": [
            "the {place} Health Center",
            "the {place} hospice office",
            "the {place} Wellness Center",
        ],
        "workshop": ["a workshop on {street}", "the old garage behind {faith}"],
        "shelter": ["the {place} Animal Shelter", "the animal care center on {street}"],
        "pantry": ["the {place} Food Pantry", "the church basement at {faith}"],
    },
    "suburb": {
        "library": ["the {place} Public Library", "the {place} Library"],
        "park": ["the {place} Park District center", "the {place} Park District recreation center"],
        "church": ["{faith}"],
        "community_center": [
            "the {place} Community Center",
            "the {place} Township hall",
            "the {place} Village Hall",
        ],
        "senior_center": [
            "the {place} Senior Center",
            "the DuPage senior services center in {place}",
        ],
        "arts_center": ["the {place} Arts Center", "a studio on {street}"],
        "ymca": ["the {place} YMCA", "the {place} Park District pool"],
        "nature": [
            "the Morton Arboretum",
            "Springbrook Prairie",
            "Knoch Knolls Park",
            "Phillips Park",
            "the Naperville Riverwalk",
            "McDowell Grove",
            "Waubonsie Lake",
            "Herrick Lake",
            "Blackwell Forest Preserve",
            "the Illinois Prairie Path",
            "Centennial Beach",
            "the Fox River trail",
        ],
        "agency": [
            "the {place} Township office",
            "the {place} Family Services office",
            "the DuPage County building",
        ],
        "school": [
            "{place} High School",
            "the {place} community college campus",
            "the {place} Adult Education Center",
        ],
        "museum": ["the {place} Historical Museum", "the {place} Heritage Society museum"],
        "clinic": [
            "the {place} Health Center",
            "the {place} hospice office",
            "the {place} Wellness Center",
        ],
        "workshop": ["a workshop on {street}", "the township garage"],
        "shelter": ["the {place} Animal Shelter", "the county animal services center"],
        "pantry": ["the {place} Food Pantry", "the fellowship hall at {faith}"],
    },
    "rural": {
        "library": ["the {place} Public Library", "the {place} Library"],
        "park": ["the {place} town park pavilion", "the {place} community park"],
        "church": ["{faith}"],
        "community_center": [
            "the {place} Community Center",
            "the {place} Town Hall",
            "the {place} Lions Club hall",
        ],
        "senior_center": ["the {place} Senior Center", "the Northwoods Senior Center in {place}"],
        "arts_center": ["the {place} Art League studio", "the Northwoods Art Center in {place}"],
        "ymca": ["the Northwoods YMCA in {place}", "the {place} school pool"],
        "nature": [
            "the Northern Highland American Legion State Forest",
            "the Bearskin State Trail",
            "Trout Lake",
            "the Heart of Vilas bike trail",
            "Boulder Lake",
            "Lake Minocqua",
            "the Three Eagle Trail",
            "the Eagle River chain of lakes",
            "Hodag Park",
            "the Lake Tomahawk boat landing",
            "the Sylvania trailhead",
            "Pioneer Park",
        ],
        "agency": [
            "the {county} County ADRC office",
            "the {county} County courthouse annex",
            "the {place} Town Hall",
        ],
        "school": [
            "{place} High School",
            "the Nicolet College outreach center in {place}",
            "the {place} school",
        ],
        "museum": ["the {place} Historical Society museum", "the {place} Logging Museum"],
        "clinic": ["the {place} clinic", "the Northwoods hospice office in {place}"],
        "workshop": ["a pole barn on {street}", "the {place} Lions Club garage"],
        "shelter": ["the {county} County Humane Society", "the {place} animal rescue"],
        "pantry": ["the {place} Food Pantry", "the basement at {faith}"],
    },
}

FAITH = {
    "default": [
        "St. Mary's parish hall",
        "the basement at Grace Lutheran",
        "Holy Trinity fellowship hall",
        "First Baptist Church",
        "Trinity United Methodist",
        "Bethel AME fellowship hall",
        "Temple Beth Shalom social hall",
        "the community room at Peace Presbyterian",
        "St. Joseph's parish center",
        "First Congregational Church",
    ],
    "Spanish": [
        "Our Lady of Guadalupe parish hall",
        "St. Pius V parish hall",
        "Iglesia Nueva Vida",
    ],
    "Polish": ["St. Hedwig's parish hall", "St. Stanislaus parish hall"],
    "Chinese": ["the Chinese Christian Church fellowship hall"],
    "Arabic": ["the community room at Masjid An-Nur", "St. George Orthodox Church hall"],
    "rural": [
        "Our Savior's Lutheran",
        "St. Peter's Catholic Church",
        "the Methodist church basement",
        "Northwoods Bible Church",
        "St. Augustine's parish hall",
        "Faith Lutheran",
    ],
}

# Logistics sentences (composed optionally after the main description fragment).
LOGI_EN = {
    "who": [
        "Beginners very welcome.",
        "No experience needed.",
        "All abilities welcome.",
        "Open to everyone in the community.",
        "Friends and family are welcome to come along.",
        "Newcomers always welcome - just introduce yourself at the door.",
        "Ideal for people new to the area.",
    ],
    "signup": [
        "Drop in, no need to book.",
        "Please call ahead to reserve a place.",
        "Registration required; spaces are limited.",
        "Sign up at the front desk.",
        "Just turn up.",
        "Referrals accepted from doctors and social workers.",
        "Email or phone to get on the mailing list.",
        "Walk-ins welcome, but appointments are preferred.",
        "Waiting list in operation.",
    ],
    "refresh": [
        "Coffee and cookies provided.",
        "Light refreshments served.",
        "Bring a bag lunch if you like.",
        "Coffee, tea and homemade treats.",
        "Water is provided; bring a snack.",
    ],
    "city": [
        "Street parking is limited; the {bus} bus stops nearby.",
        "A short walk from the {line} Line.",
        "Bike racks out front.",
        "Enter through the side door on {street}.",
        "Metered parking on {street}.",
    ],
    "suburb": [
        "Free parking in the lot.",
        "Plenty of free parking.",
        "Parking behind the building.",
        "Pace bus route stops at the corner.",
        "Use the north entrance off {street}.",
    ],
    "rural": [
        "Plenty of parking.",
        "Park in the town hall lot.",
        "In winter the lot is plowed by 8am.",
        "Carpools can be arranged.",
        "Look for the sign on {street}.",
    ],
    "online": [
        "Sessions run by video call; the link is emailed after sign-up.",
        "Phone-in option for people without internet.",
        "Join from home on a computer, tablet or phone.",
        "Online only.",
    ],
}
ACCESS_EN = {
    "wheelchair": "The building is wheelchair accessible.",
    "step_free": "Step-free entrance at the rear.",
    "accessible_toilet": "Accessible restroom on site.",
    "hearing_loop": "Hearing loop installed.",
    "sign_language": "ASL interpretation available on request.",
    "large_print": "Large-print materials available.",
    "quiet_space": "A quiet room is available if you need a break.",
    "seated_options": "Seated options offered throughout.",
}
LANG_EN = {
    "Spanish": ["Se habla español.", "Spanish-speaking staff available."],
    "Polish": ["Polish-speaking volunteers available.", "Mówimy po polsku."],
    "Chinese": ["Mandarin and Cantonese spoken.", "Chinese-speaking volunteers on hand."],
    "Arabic": ["Arabic-speaking staff available.", "Arabic interpretation available."],
}
LOGI_ES = {
    "who": ["Todos son bienvenidos.", "No se necesita experiencia.", "Principiantes bienvenidos."],
    "signup": [
        "No es necesario inscribirse.",
        "Llame para reservar su lugar.",
        "Cupo limitado, inscríbase en la recepción.",
    ],
    "refresh": [
        "Habrá café y pan dulce.",
        "Se ofrecen bocadillos.",
        "Traiga su almuerzo si gusta.",
    ],
    "city": ["Estacionamiento en la calle.", "Cerca de la línea {line} del tren."],
    "suburb": ["Estacionamiento gratuito.", "Estacionamiento detrás del edificio."],
    "rural": ["Amplio estacionamiento."],
    "online": ["Las sesiones son por videollamada.", "También puede participar por teléfono."],
}
ACCESS_ES = {
    "wheelchair": "El edificio es accesible para sillas de ruedas.",
    "step_free": "Entrada sin escalones.",
    "accessible_toilet": "Baño accesible.",
    "large_print": "Materiales en letra grande.",
    "quiet_space": "Hay un cuarto tranquilo para descansar.",
    "seated_options": "Se puede participar sentado.",
}

COST_EN = [
    "Free of charge.",
    "Cost: {cost}.",
    "{cost}; no one is turned away for lack of funds.",
    "Free.",
]
COST_ES = ["Gratis.", "Costo: {cost}.", "Sin costo."]

CHICAGO_BUS = [
    "#22 Clark",
    "#9 Ashland",
    "#49 Western",
    "#79 79th Street",
    "#66 Chicago",
    "#8 Halsted",
    "#77 Belmont",
    "#81 Lawrence",
    "#60 Blue Island/26th",
    "#53 Pulaski",
    "#4 Cottage Grove",
]
CHICAGO_L = ["Red", "Blue", "Brown", "Green", "Orange", "Pink"]

# Online resources use these pseudo-places in names.
ONLINE_PLACES = ["Virtual", "Online", "Illinois", "Wisconsin", "Midwest", "Statewide", "Nationwide"]

# Stopwords (English + Spanish) for the word-overlap report.
STOPWORDS = set(
    """
a about above after again against all am an and any are aren as at be because been before being below between both
but by can cannot could couldn did didn do does doesn doing don down during each few for from further had hadn has
hasn have haven having he her here hers herself him himself his how i if in into is isn it its itself just ll me
more most my myself no nor not now of off on once only or other our ours ourselves out over own re same she should
so some such than that the their theirs them themselves then there these they this those through to too under until
up very was wasn we were weren what when where which while who whom why will with won would wouldn you your yours
yourself yourselves s t d ve m y o also get got go going really like just even still ever much many one two
thing things bit lot way well im ive id dont cant its thats theres youre
de la que el en y a los del se las por un para con no una su al lo como más pero sus le ya o este sí porque esta
entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese
eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual
poco ella estar estas algunas algo nosotros mi mis tú te ti tu tus ellas nosotras vosotros os mío mía es son fue era
tengo tiene estoy está están ser he ha hace
""".split()
)
