/* global document, window, fetch, URLSearchParams */
/*
 * The attendance list, saved as it is ticked: each tick posts that one person (in order, one
 * after the other) and the counter follows. Nobody else changes: only the "save" button marks
 * the unticked as absent. Without this script the button does it all.
 */
(function () {
  'use strict';
  var form = document.querySelector('form.attendance');
  if (!form || !window.fetch) return;
  var counter = document.getElementById('counter');
  var status = document.getElementById('attendance-status');
  var csrf = form.querySelector('input[name="_csrf"]');
  var queue = Promise.resolve();

  function say(text) {
    if (status) status.textContent = text;
  }

  function save(box) {
    var body = new URLSearchParams();
    body.append('_csrf', csrf ? csrf.value : '');
    body.append('shown', box.value);
    if (box.checked) body.append('present', box.value);
    return fetch(form.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
      body: body,
    })
      .then(function (res) {
        return res.ok ? res.json() : Promise.reject(new Error(String(res.status)));
      })
      .then(function (data) {
        if (counter) counter.textContent = data.counter;
        say(form.getAttribute('data-saved'));
      })
      .catch(function () {
        say(form.getAttribute('data-failed'));
      });
  }

  form.addEventListener('change', function (event) {
    var box = event.target;
    if (!box || box.name !== 'present') return;
    queue = queue.then(function () {
      return save(box);
    });
  });
})();
