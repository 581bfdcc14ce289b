// The infusion chart keeps working when the tablet's connection drops.
//
// A page that holds <div data-offline-chart> (the session page) marks the
// forms that may be charted offline with data-offline-kind="vitals" (and
// side_effect, medication, pump). While the tablet is offline, or when a post
// fails on the network, such a form is not lost: its values are kept in the
// browser (IndexedDB), shown in the chart marked "not yet sent", and sent in
// the order they were made when the connection returns, each with the id the
// tablet made when the nurse saved it (so a retry never records twice) and
// the time the nurse charted it. A send that fails on the network is tried
// again soon, then less often, and at once when the browser is back online.
// Entries belong to the nurse who made them: another nurse signed in on the
// tablet never sends them, and a clinic manager may only discard them, with a
// reason kept in the audit log. Nothing is kept longer than the clinic's
// setting (data-keep-hours), and sent entries are removed at once. The service
// worker (/infusions/offline-worker.js) serves the session pages opened
// lately when the page is reloaded offline.
(function () {
  "use strict";

  var DB_NAME = "ketaclinic-chart";
  var STORE = "entries";
  var root = null; // the element carrying the chart's settings
  var sending = false;
  // After a failed send the tablet tries again sooner than its usual round:
  // 1, 2, 4, 8 seconds, then every 15 (a server restarting, a lost answer).
  var RETRY_MAX_MS = 15000;
  var failures = 0;
  var retryTimer = null;

  // --- Storage --------------------------------------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var store = request.result.createObjectStore(STORE, {
          keyPath: "seq",
          autoIncrement: true,
        });
        store.createIndex("client_id", "client_id", { unique: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function allEntries() {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = db.transaction(STORE).objectStore(STORE).getAll();
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    });
  }

  function put(entry) {
    return withStore("readwrite", function (store) { return store.put(entry); });
  }

  function remove(seq) {
    return withStore("readwrite", function (store) { return store.delete(seq); });
  }

  // --- What the nurse sees -----------------------------------------------------

  function me() {
    return root ? root.dataset.user : "";
  }

  function setBanner(entries) {
    var banner = document.getElementById("offline-banner");
    if (!banner) {
      return;
    }
    var mine = entries.filter(function (e) { return e.made_by === me(); });
    var waiting = mine.filter(function (e) { return e.state === "waiting"; }).length;
    var refused = mine.filter(function (e) { return e.state !== "waiting"; }).length;
    var others = entries.length - mine.length;
    var words = [];
    if (!navigator.onLine) {
      words.push("This tablet is offline. Keep charting: entries are kept here and sent when the connection returns.");
    }
    if (waiting) {
      words.push(waiting + (waiting === 1 ? " entry is" : " entries are") + " waiting to be sent.");
    }
    if (refused) {
      words.push(refused + (refused === 1 ? " entry needs" : " entries need") + " your decision (below).");
    }
    if (others) {
      words.push(others + (others === 1 ? " entry was" : " entries were") + " made by another nurse on this tablet: it is sent when that nurse signs in.");
      if (root.dataset.discard) {
        words.push("You may leave it for that nurse, or discard it with a reason, which is kept in the audit log. It cannot be sent under your name.");
      }
    }
    if (banner.dataset.signIn) {
      words.push(banner.dataset.signIn);
    }
    banner.querySelector("[data-offline-words]").textContent = words.join(" ");
    banner.hidden = words.length === 0;
    banner.classList.toggle("offline", !navigator.onLine);
  }

  function entryRow(entry) {
    var item = document.createElement("li");
    item.className = "offline-entry " + entry.state;
    item.dataset.clientId = entry.client_id;
    var when = new Date(entry.charted_at);
    var text = entry.label + ", charted " + when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) +
      " by " + entry.made_by_name + ": " + entry.summary + " — ";
    item.appendChild(document.createTextNode(text));
    var mark = document.createElement("strong");
    mark.textContent = entry.state === "waiting" ? "not yet sent" : entry.message;
    item.appendChild(mark);
    if (entry.state !== "waiting" && entry.made_by === me()) {
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "secondary";
      discard.dataset.offlineDiscard = entry.seq;
      discard.textContent = "Discard this entry";
      item.appendChild(document.createTextNode(" "));
      item.appendChild(discard);
    }
    if (entry.made_by !== me() && root.dataset.discard) {
      item.appendChild(resolveForm(entry));
    }
    return item;
  }

  // A manager may discard another nurse's entry, with a reason (never send it).
  function resolveForm(entry) {
    var form = document.createElement("form");
    form.className = "offline-resolve";
    form.dataset.offlineResolve = entry.seq;
    var label = document.createElement("label");
    label.textContent = "Why discard it? ";
    var reason = document.createElement("input");
    reason.name = "reason";
    reason.required = true;
    reason.maxLength = 300;
    label.appendChild(reason);
    var button = document.createElement("button");
    button.type = "submit";
    button.className = "secondary";
    button.textContent = "Discard with this reason";
    var problem = document.createElement("p");
    problem.className = "error";
    problem.setAttribute("role", "alert");
    problem.dataset.offlineProblem = "";
    form.append(label, " ", button, problem);
    return form;
  }

  function discardWithReason(form) {
    var seq = Number(form.dataset.offlineResolve);
    var problem = form.querySelector("[data-offline-problem]");
    var say = function (words) { problem.textContent = words; };
    if (!navigator.onLine) {
      say("Not discarded: the tablet is offline. Try again when it is connected.");
      return Promise.resolve();
    }
    return allEntries().then(function (entries) {
      var entry = entries.filter(function (e) { return e.seq === seq; })[0];
      if (!entry || entry.session !== root.dataset.session) {
        return render();
      }
      return postJson(root.dataset.discard, {
        client_id: entry.client_id,
        kind: entry.kind,
        token: entry.token,
        charted_at: entry.charted_at,
        summary: entry.summary,
        reason: form.elements.reason.value,
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("json") < 0) {
          say("Not discarded: the clinic did not answer. Sign in again if asked, then try again.");
          return null;
        }
        return response.json().then(function (body) {
          if (response.ok) {
            return remove(seq).then(render);
          }
          say(body.message || "Not discarded.");
          return null;
        });
      }, function () {
        say("Not discarded: the tablet could not reach the clinic. Try again when it is connected.");
      });
    });
  }

  function render() {
    if (!root) {
      return Promise.resolve();
    }
    return allEntries().then(function (entries) {
      var session = root.dataset.session;
      var list = document.getElementById("offline-entries");
      if (list) {
        // A row that has not changed is kept as it is (with a reason typed in it).
        var shown = {};
        Array.prototype.forEach.call(list.children, function (row) {
          shown[row.dataset.key] = row;
        });
        list.replaceChildren.apply(list, entries.filter(function (e) {
          return e.session === session;
        }).map(function (entry) {
          var key = [entry.seq, entry.state, entry.message].join("|");
          var row = shown[key] || entryRow(entry);
          row.dataset.key = key;
          return row;
        }));
        list.hidden = !list.children.length;
      }
      setBanner(entries);
    });
  }

  // --- Keeping a form's entry -------------------------------------------------

  function summary(form) {
    var parts = [];
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name || control.type === "hidden" || control.type === "submit" ||
          control.type === "password" || control.name === "csrfmiddlewaretoken") {
        return;
      }
      if ((control.type === "radio" || control.type === "checkbox") && !control.checked) {
        return;
      }
      if (!String(control.value).trim()) {
        return;
      }
      var label = control.labels && control.labels[0];
      var fieldset = control.closest("fieldset");
      var name = fieldset && (control.type === "radio" || control.type === "checkbox")
        ? fieldset.querySelector("legend").textContent
        : label ? label.textContent : control.name;
      var value = control.type === "radio" && label ? label.textContent : control.value;
      var unitShown = control.parentElement && control.parentElement.querySelector(".unit");
      var unit = control.dataset.unit || (unitShown ? unitShown.textContent.trim() : "");
      unit = unit ? " " + unit : "";
      parts.push(name.trim() + " " + String(value).trim() + unit);
    });
    return parts.join(", ");
  }

  // A password or code typed on the form is never kept in the browser.
  function secret(form, name) {
    var control = form.elements[name];
    return Boolean(control && control.type === "password");
  }

  function values(form) {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || secret(form, name)) {
        return;
      }
      if (name in data) {
        data[name] = [].concat(data[name], value);
      } else {
        data[name] = value;
      }
    });
    return data;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  function keep(form) {
    var data = values(form);
    var idField = form.querySelector("input[name$=client_id]");
    var entry = {
      client_id: (idField && idField.value) || newId(),
      session: root.dataset.session,
      token: root.dataset.token,
      endpoint: root.dataset.endpoint,
      kind: form.dataset.offlineKind,
      label: form.dataset.offlineLabel || "Entry",
      made_by: me(),
      made_by_name: root.dataset.userName,
      charted_at: new Date().toISOString(),
      kept_at: Date.now(),
      values: data,
      summary: summary(form),
      state: "waiting",
      message: "",
    };
    if (idField) {
      delete entry.values[idField.name];
    }
    // The form is emptied at once, before the entry is stored, so that what
    // is typed next is never wiped by this entry's late reset; the next entry
    // made with this form gets an id of its own.
    form.reset();
    if (idField) {
      idField.value = newId();
    }
    return put(entry).then(render, function () {
      restore(form, entry.values);
      if (idField) {
        idField.value = entry.client_id;
      }
      window.alert("This entry could not be kept on this tablet. " +
        "It is back on the form: save it again, or write it on paper.");
    });
  }

  // Put kept values back on an empty form (when the tablet could not store it).
  function restore(form, data) {
    Object.keys(data).forEach(function (name) {
      var chosen = [].concat(data[name]).map(String);
      Array.prototype.forEach.call(form.elements, function (control) {
        if (control.name !== name) {
          return;
        }
        if (control.type === "checkbox" || control.type === "radio") {
          control.checked = chosen.indexOf(control.value) !== -1;
        } else if (!control.value) {
          control.value = chosen[0];
        }
      });
    });
  }

  // --- Sending ------------------------------------------------------------------

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(body),
    });
  }

  function sendOne(entry) {
    return postJson(entry.endpoint, {
      client_id: entry.client_id,
      kind: entry.kind,
      token: entry.token,
      charted_at: entry.charted_at,
      values: entry.values,
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.type === "opaqueredirect" || response.status === 401 ||
          response.status === 403 && type.indexOf("json") < 0) {
        return { signIn: true };
      }
      if (type.indexOf("json") < 0) {
        return { retry: true };  // a proxy's or a restarting server's page
      }
      return response.json().then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function sync() {
    if (sending || !root || !navigator.onLine) {
      return Promise.resolve();
    }
    sending = true;
    var failed = false;
    var banner = document.getElementById("offline-banner");
    return allEntries().then(function (entries) {
      var mine = entries.filter(function (e) {
        return e.made_by === me() && e.state === "waiting";
      });
      var sent = 0;
      var next = function (index) {
        if (index >= mine.length) {
          return Promise.resolve();
        }
        var entry = mine[index];
        return sendOne(entry).then(function (result) {
          if (result.signIn) {
            if (banner) {
              banner.dataset.signIn = "Your sign-in has ended: sign in again and the waiting entries are sent.";
            }
            return null;  // stop: keep the rest in order
          }
          if (result.retry) {
            failed = true;
            return null;
          }
          if (banner) {
            delete banner.dataset.signIn;
          }
          if (result.status === 200 || result.status === 201) {
            sent += 1;
            return remove(entry.seq).then(function () { return next(index + 1); });
          }
          entry.state = result.status === 409 ? "conflict" : "refused";
          entry.message = (result.body && result.body.message) || "The clinic refused this entry.";
          return put(entry).then(function () { return next(index + 1); });
        }, function () {
          failed = true;  // the network failed again: try later
          return null;
        });
      };
      return next(0).then(function () {
        if (sent) {
          document.body.dispatchEvent(new CustomEvent("chart-changed", { bubbles: true }));
        }
      });
    }).finally(function () {
      sending = false;
      if (failed) {
        retryLater();
      } else {
        failures = 0;
      }
      return render();
    });
  }

  function retryLater() {
    if (retryTimer !== null) {
      return;
    }
    var delay = Math.min(1000 * Math.pow(2, failures), RETRY_MAX_MS);
    failures += 1;
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      sync();
    }, delay);
  }

  // Entries older than the clinic's setting are not kept.
  function expire() {
    var hours = Number(root.dataset.keepHours || 12);
    var limit = Date.now() - hours * 3600 * 1000;
    return allEntries().then(function (entries) {
      return Promise.all(entries.filter(function (e) { return e.kept_at < limit; })
        .map(function (e) { return remove(e.seq); }));
    });
  }

  // --- Wiring -------------------------------------------------------------------

  // Offline, a chart form is kept instead of sent (before htmx sees it).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!root || !form.matches("form[data-offline-kind]") || navigator.onLine) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    keep(form);
  }, true);

  // Online, but the post failed on the network: keep it as well.
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt && event.detail.elt.closest("form[data-offline-kind]");
    if (root && form) {
      keep(form);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-offline-discard]");
    if (!button) {
      return;
    }
    if (window.confirm("Discard this entry? It will not be recorded.")) {
      remove(Number(button.dataset.offlineDiscard)).then(render);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!root || !form.matches("form[data-offline-resolve]")) {
      return;
    }
    event.preventDefault();
    discardWithReason(form);
  });

  // Signing out with entries still waiting warns first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-sign-out]") || !window.indexedDB) {
      return;
    }
    if (form.dataset.warned) {
      return;
    }
    event.preventDefault();
    allEntries().then(function (entries) {
      var mine = entries.filter(function (e) { return e.made_by === me(); });
      if (mine.length && !window.confirm(
        mine.length + (mine.length === 1 ? " entry has" : " entries have") +
        " not been sent yet. If you sign out, they wait on this tablet until you sign in again. Sign out anyway?")) {
        return;
      }
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage("forget-pages");
      }
      form.dataset.warned = "1";
      form.requestSubmit();
    });
  }, true);

  window.addEventListener("online", function () { render().then(sync); });
  window.addEventListener("offline", render);

  document.addEventListener("DOMContentLoaded", function () {
    root = document.querySelector("[data-offline-chart]");
    if (!root || !window.indexedDB) {
      return;
    }
    if (navigator.serviceWorker && root.dataset.worker) {
      navigator.serviceWorker.register(root.dataset.worker, { scope: root.dataset.workerScope })
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (registration) {
          // Keep this chart for a reload while offline.
          var url = location.href.split("#")[0];
          registration.active.postMessage({ keep: url });
          root.dataset.kept = "1";
        })
        .catch(function () { /* served over plain http elsewhere than localhost */ });
    }
    expire().then(render).then(sync);
    window.setInterval(sync, 15000);
  });
})();
