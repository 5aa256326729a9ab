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
  source.addEventListener('sold', function (e) {
    var d = JSON.parse(e.data);
    if (d.slot + 1 < current()) return;
    setPrice(d.new_price, d.slot + 1);
    var who = String(d.buyer || '').toLowerCase();
    set('live', who && who === myName
      ? 'you just bought slot ' + d.slot + '; the next slot costs ' + d.new_price + ' sat'
      : 'someone else just bought it: slot ' + d.slot + ' sold for ' + d.price +
        ' sat; the next slot costs ' + d.new_price + ' sat');
  });
})();
