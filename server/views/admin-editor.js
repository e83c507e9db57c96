/* global document, window, fetch, URLSearchParams, FormData */
/*
 * The edition form, improved: after about three seconds without typing the form is saved in
 * the background (the same fields as the save button sends, with the form token), the status
 * line says so and the preview frames reload. Without this script the form works the same,
 * with the save button.
 */
(function () {
  'use strict';
  var IDLE_MS = 3000;
  var form = document.querySelector('form[data-autosave]');
  if (!form) return;
  var status = document.getElementById('autosave-status');
  var timer = null;
  var saving = false;
  var again = false;
  var submitAfter = false;

  /** The status line: a text, and a link to reload the page when somebody else saved. */
  function say(text, link) {
    if (!status) return;
    status.textContent = text;
    if (link && link.href) {
      var a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      status.appendChild(document.createTextNode(' '));
      status.appendChild(a);
    }
  }

  function reloadPreviews() {
    var frames = document.querySelectorAll('iframe[data-preview]');
    for (var i = 0; i < frames.length; i++) {
      var url = new URL(frames[i].src, window.location.href);
      url.searchParams.set('t', String(Date.now()));
      frames[i].src = url.pathname + url.search;
    }
  }

  function answer(result) {
    if (result && typeof result.updatedAt === 'number') {
      var basedOn = form.querySelector('input[name="basedOn"]');
      if (basedOn) basedOn.value = String(result.updatedAt);
    }
    if (result && result.status) say(result.status, result.reload);
    if (result && result.ok) reloadPreviews();
  }

  function save() {
    timer = null;
    if (saving) {
      again = true;
      return;
    }
    saving = true;
    var body = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute('data-autosave'), {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    })
      .then(function (res) {
        return res.json().catch(function () {
          return { ok: false, status: form.getAttribute('data-autosave-failed') || '' };
        });
      })
      .then(answer, function () {
        say(form.getAttribute('data-autosave-failed') || '');
      })
      .then(function () {
        saving = false;
        if (submitAfter) {
          submitAfter = false;
          form.requestSubmit();
          return;
        }
        if (again) {
          again = false;
          schedule();
        }
      });
  }

  function schedule() {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(save, IDLE_MS);
  }

  // The soft lock: renewed every 30 s while the page is open, given up when it is left.
  var LOCK_MS = 30000;
  var lockNotice = document.getElementById('lock-notice');
  function token() {
    var field = form.querySelector('input[name="_csrf"]');
    return new URLSearchParams({ _csrf: field ? field.value : '' });
  }
  function renewLock() {
    fetch(form.getAttribute('data-lock'), {
      method: 'POST',
      body: token(),
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    })
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(
        function (lock) {
          if (!lock || !lockNotice) return;
          lockNotice.hidden = !lock.notice;
          var p = lockNotice.querySelector('p');
          if (p) p.textContent = lock.notice || '';
        },
        function () {},
      );
  }
  if (form.getAttribute('data-lock')) {
    window.setInterval(renewLock, LOCK_MS);
    window.addEventListener('pagehide', function () {
      if (window.navigator.sendBeacon)
        window.navigator.sendBeacon(form.getAttribute('data-unlock'), token());
    });
  }

  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
  // An explicit save replaces a pending autosave; one under way is waited for, so the save
  // builds on it (its answer moves basedOn on) instead of being refused as stale.
  form.addEventListener('submit', function (event) {
    if (timer) window.clearTimeout(timer);
    timer = null;
    if (saving) {
      event.preventDefault();
      submitAfter = true;
    }
  });
})();
