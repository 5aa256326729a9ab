// live.js: the campaign page's price, live. Progressive: without it the
// page shows the price at load and buys all the same. It listens to the
// campaign's events (Server-Sent Events) and updates the price, the slot for
// sale and the Buy form; after another buyer's purchase it says so.
(function () {
  'use strict';
  var sale = document.getElementById('sale');
  if (!sale || !window.EventSource) return;
  var url = sale.getAttribute('data-events');
  if (!url) return;
  var me = document.getElementById('me');
  var myName = me ? me.textContent.trim().toLowerCase() : '';
  function set(id, value) {
    var el = document.getElementById(id);
    if (el) el.textContent = String(value);
  }
  function setPrice(price, slot) {
    set('price', price);
    var spans = document.querySelectorAll('.buy-price');
    for (var i = 0; i < spans.length; i++) spans[i].textContent = String(price);
    var form = document.getElementById('buy');
    if (form) {
      form.elements.price.value = String(price);
      if (slot !== undefined) form.elements.slot.value = String(slot);
    }
    if (slot !== undefined) set('for-sale', slot);
  }
  var source = new EventSource(url);
  // A server's view may lag a purchase by up to a second: never go back
  // to a slot before the one the page already shows.
  function current() {
    var el = document.getElementById('for-sale');
    return el ? Number(el.textContent) : 0;
  }
  source.addEventListener('price', function (e) {
    var d = JSON.parse(e.data);
    if (d.slot < current()) return;
    setPrice(d.price, d.slot);
  });
  function time(seconds) {
    return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
  }
  // The slot just sold joins the queue of slots to come.
  function queue(d) {
    var body = document.querySelector('#queue tbody');
    if (!body) return;
    var shown = body.querySelectorAll('td.slot');
    for (var i = 0; i < shown.length; i++)
      if (shown[i].textContent === String(d.slot)) return; // the page had it

    var row = document.createElement('tr');
    row.className = 'slot';
    [['slot', d.slot], ['start', time(d.start)], ['end', time(d.end)], ['buyer', d.buyer],
      ['price', d.price]].forEach(function (cell) {
      var td = document.createElement('td');
      td.className = cell[0];
      td.textContent = String(cell[1]);
      row.appendChild(td);
    });
    body.appendChild(row);
    var none = document.getElementById('no-queue');
    if (none) none.hidden = true;
  }
  source.addEventListener('sold', function (e) {
    var d = JSON.parse(e.data);
    if (d.slot + 1 < current()) return;
    setPrice(d.new_price, d.slot + 1);
    queue(d);
    var who = String(d.buyer || '').toLowerCase();
    set('live', who && who === myName
      ? 'you just bought slot ' + d.slot + '; the next slot costs ' + d.new_price + ' sat'
      : 'someone else just bought it: slot ' + d.slot + ' sold for ' + d.price +
        ' sat; the next slot costs ' + d.new_price + ' sat');
  });
})();
