// rxmatch link worker console: plain JavaScript, no build step.
// Every text from the service is put in the page with textContent (never as HTML).
// The person's words are sent in request bodies only (never in a URL) and kept in memory
// only for the "why not" question; nothing is written to storage.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const FIELD_INPUT = {
    what_matters: "what-matters",
    postal_code: "postal-code",
    lat: "lat",
    lon: "lon",
    travel_mode: "travel-mode",
    availability: "availability-other",
    age: "age",
    k: "k",
  };
  const state = { lastReferral: null, resources: [], byKey: new Map(), map: null,
                  homeLayer: null, matchLayer: null, markers: new Map() };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "className") node.className = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  async function api(path, body) {
    const resp = await fetch(path, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
    });
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    return { ok: resp.ok, status: resp.status, data };
  }

  // ---- the form -------------------------------------------------------------------------
  function number(id) {
    const v = $(id).value.trim();
    if (!v) return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : v; // a non-number is the service's to refuse
  }

  function referral() {
    const body = { what_matters: $("what-matters").value };
    const lat = number("lat"), lon = number("lon");
    const zip = $("postal-code").value.trim();
    if (lat !== null || lon !== null) { body.lat = lat; body.lon = lon; }
    else if (zip) body.postal_code = zip;
    const mode = $("travel-mode").value;
    if (mode) body.travel_mode = mode;
    const age = number("age");
    if (age !== null) body.age = age;
    const windows = [...document.querySelectorAll('input[name="availability"]:checked')]
      .map((c) => c.value);
    const other = $("availability-other").value.trim();
    if (other) windows.push(other);
    if (windows.length) body.availability = windows;
    if ($("availability-required").checked) body.availability_required = true;
    if ($("free-only").checked) body.free_only = true;
    return body;
  }

  function clearInvalid() {
    for (const id of Object.values(FIELD_INPUT)) {
      $(id).removeAttribute("aria-invalid");
      $(id).removeAttribute("aria-errormessage");
    }
  }

  function showError(data, statusNode) {
    const msg = data && data.message ? data.message : "The service could not answer.";
    const code = data && data.code ? ` (${data.code})` : "";
    statusNode.textContent = `Not answered: ${msg}${code}`;
    statusNode.classList.add("error");
    const field = data && data.field ? String(data.field).split(".")[0] : null;
    const input = field && FIELD_INPUT[field] ? $(FIELD_INPUT[field]) : null;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-errormessage", statusNode.id);
    }
    return input;
  }

  async function onSubmit(event) {
    event.preventDefault();
    clearInvalid();
    const status = $("status");
    status.classList.remove("error");
    const body = referral();
    const k = Number($("k").value) || 10;
    if (!body.what_matters.trim()) {
      showError({ message: "write what matters to the person first", field: "what_matters" },
                status);
      $("what-matters").focus();
      return;
    }
    status.textContent = "Finding matches…";
    $("find").disabled = true;
    try {
      const { ok, data } = await api("/recommend", { ...body, k });
      if (!ok) {
        // the matches shown were for the previous answer: not left beside this error
        $("cards").replaceChildren();
        $("notes").replaceChildren();
        drawMatches([]);
        state.lastReferral = null;
        const input = showError(data, status);
        if (input) input.focus();
        return;
      }
      state.lastReferral = { ...body, k };
      render(data);
      await showHome(body);
    } catch (e) {
      status.textContent = "Not answered: the service cannot be reached.";
      status.classList.add("error");
    } finally {
      $("find").disabled = false;
    }
  }

  // ---- the cards ------------------------------------------------------------------------
  function km(d) { return d === null || d === undefined ? null : `${d.toFixed(1)} km away`; }

  function safeUrl(u) {
    try {
      const url = new URL(u);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }

  function schedule(sessions) {
    if (!sessions || !sessions.length) return null;
    return sessions.map((s) => `${s.day} ${s.start}–${s.end}`).join("; ");
  }

  function contact(res) {
    const dl = el("dl", { className: "contact" });
    const add = (term, value) => {
      if (value === null || value === undefined || value === "") return;
      dl.append(el("dt", {}, term), el("dd", {}, value));
    };
    const where = [res.address, res.city, res.postal_code].filter(Boolean).join(", ");
    add("Address", where || (res.online ? "Online" : null));
    if (res.phone) {
      add("Phone", el("a", { href: `tel:${res.phone.replace(/[^0-9+]/g, "")}` }, res.phone));
    }
    const url = res.url ? safeUrl(res.url) : null;
    if (url) add("Website", el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, url));
    add("When", schedule(res.schedule));
    add("Cost", res.free === true ? "Free" : res.cost || (res.free === false ? "Not free" : null));
    if (res.languages && res.languages.length) add("Languages", res.languages.join(", "));
    if (res.accessibility && res.accessibility.length) {
      add("Access", res.accessibility.map((a) => a.replace(/_/g, " ")).join(", "));
    }
    return dl;
  }

  function card(m) {
    const headingId = `match-${m.rank}`;
    const meta = [m.category ? m.category.replace(/_/g, " ") : null,
                  m.online && m.distance_km === null ? "online" : km(m.distance_km)]
      .filter(Boolean).join(" · ");
    const reasons = el("ul", { className: "reasons" }, ...m.reasons.map((r) => el("li", {}, r)));
    const strength = m.confidence === null || m.confidence === undefined ? null
      : `${Math.round(100 * m.confidence)}% likely a good match`;
    const show = el("button", { type: "button", className: "link",
                                "aria-describedby": headingId }, "Show on map");
    show.addEventListener("click", () => focusMarker(m.resource_id));
    return el("li", { className: "card", "data-resource-id": m.resource_id },
      el("article", { "aria-labelledby": headingId },
        el("h3", { id: headingId }, el("span", { className: "rank" }, `${m.rank}.`), " ", m.name),
        el("p", { className: "meta" }, meta, strength ? ` · ${strength}` : ""),
        m.summary ? el("p", { className: "summary" }, m.summary) : null,
        reasons,
        contact(m.resource),
        m.resource.lat !== null ? show : null));
  }

  function render(data) {
    const cards = $("cards"), notes = $("notes");
    cards.replaceChildren(...data.matches.map(card));
    notes.replaceChildren(...data.notes.map((n) => el("li", {}, n)));
    const n = data.matches.length;
    $("status").textContent = n
      ? `${n} match${n === 1 ? "" : "es"}, best first, from ${data.n_candidates} resources within reach.`
      : "No match within reach. See the notes below.";
    drawMatches(data.matches);
  }

  // ---- the map --------------------------------------------------------------------------
  function initMap(config) {
    if (typeof L === "undefined") {
      $("map-note").textContent = "The map could not be loaded.";
      return;
    }
    const map = L.map("map", { zoomControl: true, attributionControl: true });
    map.setView([37.55, -122.3], 11);
    if (config.tiles) {
      L.tileLayer(config.tiles, { attribution: config.tiles_attribution || "", maxZoom: 19 })
        .addTo(map);
    } else {
      $("map").classList.add("no-tiles");
      $("map-note").textContent = "No map tiles are configured (start the service with " +
        "--tiles URL); home and the matches are shown on a blank background.";
    }
    state.map = map;
    state.homeLayer = L.layerGroup().addTo(map);
    state.matchLayer = L.layerGroup().addTo(map);
    map.on("click", (e) => {
      $("lat").value = e.latlng.lat.toFixed(5);
      $("lon").value = e.latlng.lng.toFixed(5);
      $("postal-code").value = "";
      drawHome(e.latlng.lat, e.latlng.lng);
      $("status").textContent = "Home set from the map.";
    });
  }

  function drawHome(lat, lon) {
    if (!state.map) return;
    state.homeLayer.clearLayers();
    const icon = L.divIcon({ className: "home-pin", html: "Home", iconSize: [44, 22],
                             iconAnchor: [22, 11] });
    // above the matches' numbered points, which may sit on the same spot
    L.marker([lat, lon], { icon, title: "Home", alt: "Home", zIndexOffset: 1000 })
      .addTo(state.homeLayer);
  }

  async function showHome(body) {
    let lat = body.lat, lon = body.lon;
    if ((lat === undefined || lon === undefined) && body.postal_code) {
      const { ok, data } = await api("/geocode", { postal_code: body.postal_code });
      if (ok) { lat = data.lat; lon = data.lon; }
    }
    if (typeof lat === "number" && typeof lon === "number") drawHome(lat, lon);
    fitAll();
  }

  function drawMatches(matches) {
    state.markers.clear();
    if (!state.map) return;
    state.matchLayer.clearLayers();
    for (const m of matches) {
      const r = m.resource;
      if (r.lat === null || r.lon === null) continue;
      const icon = L.divIcon({ className: "match-pin", html: String(m.rank),
                               iconSize: [26, 26], iconAnchor: [13, 13] });
      const popup = el("div", {}, el("strong", {}, `${m.rank}. ${m.name}`),
                       el("br"), km(m.distance_km) || "");
      const marker = L.marker([r.lat, r.lon], { icon, title: `${m.rank}. ${m.name}`,
                                                alt: `${m.rank}. ${m.name}`, keyboard: true })
        .bindPopup(popup).addTo(state.matchLayer);
      state.markers.set(m.resource_id, marker);
    }
  }

  function fitAll() {
    if (!state.map) return;
    const pts = [];
    state.homeLayer.eachLayer((l) => pts.push(l.getLatLng()));
    state.matchLayer.eachLayer((l) => pts.push(l.getLatLng()));
    if (pts.length) state.map.fitBounds(L.latLngBounds(pts).pad(0.2), { maxZoom: 15 });
  }

  function focusMarker(id) {
    const marker = state.markers.get(id);
    if (!marker) return;
    state.map.setView(marker.getLatLng(), Math.max(state.map.getZoom(), 14));
    marker.openPopup();
  }

  // ---- why not ----------------------------------------------------------------------------
  function resourceId(text) {
    const t = text.trim();
    if (!t) return null;
    const hit = state.byKey.get(t) || state.byKey.get(t.toLowerCase());
    return hit || t;
  }

  async function onWhyNot(event) {
    event.preventDefault();
    const answer = $("why-not-answer");
    answer.classList.remove("error");
    const rid = resourceId($("why-not-resource").value);
    if (!rid) { answer.textContent = "Enter a resource name or id."; return; }
    if (!state.lastReferral) {
      answer.textContent = "Find the person's matches first: the answer depends on them.";
      return;
    }
    answer.textContent = "Asking…";
    const { ok, data } = await api("/recommend/why-not", { ...state.lastReferral, resource_id: rid });
    if (!ok) { showError(data, answer); return; }
    const who = data.name || data.resource_id;
    answer.textContent = `${who}: ${data.reason}.`;
  }

  async function loadResources() {
    const { ok, data } = await api("/resources");
    if (!ok) return;
    state.resources = data.resources;
    const list = $("resource-list");
    const seen = new Map();
    for (const r of data.resources) seen.set(r.name, (seen.get(r.name) || 0) + 1);
    const options = [];
    for (const r of data.resources) {
      const label = seen.get(r.name) > 1 ? `${r.name} (${r.resource_id})` : r.name;
      state.byKey.set(label, r.resource_id);
      state.byKey.set(label.toLowerCase(), r.resource_id);
      state.byKey.set(r.resource_id, r.resource_id);
      options.push(el("option", { value: label }));
    }
    list.replaceChildren(...options);
    if (state.map) {
      const pts = data.resources.filter((r) => r.lat !== null).map((r) => [r.lat, r.lon]);
      if (pts.length) state.map.fitBounds(L.latLngBounds(pts).pad(0.05));
    }
  }

  async function start() {
    $("ask-form").addEventListener("submit", onSubmit);
    $("why-not-form").addEventListener("submit", onWhyNot);
    const { data } = await api("/console/config");
    initMap(data || {});
    await loadResources();
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
