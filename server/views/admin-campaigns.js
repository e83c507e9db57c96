/* global document, window, fetch, setTimeout */
/*
 * The campaign page, live: while a campaign sends, its counts, rate, time left and progress bar
 * are fetched every two seconds. When its state changes (paused, resumed, sent) the page
 * reloads, so the buttons fit again. Without this script the "Aktualisieren" link does it.
 */
(function () {
  'use strict';
  var INTERVAL_MS = 2000;
  var section = document.getElementById('progress');
  if (!section || !window.fetch) return;
  var url = section.getAttribute('data-progress-url');
  var status = section.getAttribute('data-status');
  var bar = document.getElementById('campaign-progress');
  var refresh = document.getElementById('refresh');
  if (refresh) refresh.parentNode.hidden = true;

  function set(selector, text) {
    var el = section.querySelector(selector);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function show(data) {
    Object.keys(data.counts).forEach(function (key) {
      set('[data-count="' + key + '"]', data.counts[key]);
    });
    set('[data-field="perMinute"]', data.perMinute);
    set('[data-field="timeLeft"]', data.timeLeft);
    set('[data-field="doneText"]', data.doneText);
    if (bar) {
      bar.max = data.total;
      bar.value = data.done;
      bar.textContent = data.doneText;
    }
  }

  function poll() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) {
        return res.ok ? res.json() : Promise.reject(new Error(String(res.status)));
      })
      .then(function (data) {
        show(data);
        if (data.status !== status) {
          // Without the notice of the last action: it spoke of the state before.
          window.location.replace(window.location.pathname);
          return;
        }
        if (!data.finished) setTimeout(poll, INTERVAL_MS);
      })
      .catch(function () {
        // The network or the session is gone: the link lets the user try again.
        if (refresh) refresh.parentNode.hidden = false;
      });
  }

  setTimeout(poll, INTERVAL_MS);
})();
