// The infusion chart's service worker: serves the session pages opened in the
// last {{ keep_hours }} hours, and the app's own scripts and styles, when the
// tablet is offline. Pages always come from the clinic when it answers.
"use strict";

var PAGES = "ketaclinic-chart-pages";
var ASSETS = "ketaclinic-chart-assets-{{ version }}";
var KEEP_MS = {{ keep_hours }} * 3600 * 1000;
var ASSET_URLS = [{% for url in assets %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
var CHART = /^\/infusions\/[0-9a-f-]{36}\/$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) {
    return cache.addAll(ASSET_URLS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("ketaclinic-chart-assets-") === 0 && name !== ASSETS;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function stamped(response) {
  var headers = new Headers(response.headers);
  headers.set("X-Kept-At", String(Date.now()));
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function chartPage(request) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      stamped(copy).then(function (kept) {
        caches.open(PAGES).then(function (cache) { cache.put(request.url, kept); });
      });
    }
    return response;
  }, function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request.url).then(function (kept) {
        var at = kept && Number(kept.headers.get("X-Kept-At"));
        if (kept && Date.now() - at < KEEP_MS) {
          return kept;
        }
        if (kept) {
          cache.delete(request.url);
        }
        return new Response(
          "<!doctype html><title>Offline</title><p>This tablet is offline and this chart was not opened here in the last {{ keep_hours }} hours. Reconnect to open it.</p>",
          { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
        );
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (CHART.test(url.pathname) && request.mode === "navigate") {
    event.respondWith(chartPage(request));
    return;
  }
  if (ASSET_URLS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname).then(function (hit) {
      return hit || fetch(request);
    }));
  }
});

function keepPage(url) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (!response.ok || response.redirected) {
      return null;
    }
    return stamped(response).then(function (kept) {
      return caches.open(PAGES).then(function (cache) { return cache.put(url, kept); });
    });
  }, function () { return null; });
}

self.addEventListener("message", function (event) {
  if (event.data === "forget-pages") {
    event.waitUntil(caches.delete(PAGES));
  } else if (event.data && event.data.keep && CHART.test(new URL(event.data.keep).pathname)) {
    // A chart opened before this worker took charge of the page.
    event.waitUntil(keepPage(event.data.keep));
  }
});
