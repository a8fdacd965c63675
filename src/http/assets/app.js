// The live status page of firsthop. Plain JavaScript, no framework, served by the daemon.
// Every value from the daemon is put on the page with text nodes (textContent), never as markup:
// DNSSL names, captive-portal URIs and anything else a router on the link can send are text.
'use strict';
(function () {
  var INFINITY = 4294967295;
  var RECENT_EVENTS = 30;
  var POLL_MS = 5000;

  var status = null;
  var events = [];
  var fetching = false;
  var again = false;
  var lastUpdate = 0;

  // ---- building elements -------------------------------------------------------------------

  /** el('td', {class: 'x', 'data-k': 'v'}, ['text', node, ...]): strings become text nodes. */
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k) && attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, String(attrs[k]));
      }
    }
    append(e, children);
    return e;
  }

  function append(parent, children) {
    if (children === undefined || children === null) return;
    if (!Array.isArray(children)) children = [children];
    for (var i = 0; i < children.length; i++) {
      var c = children[i];
      if (c === undefined || c === null || c === false) continue;
      parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
  }

  function svg(tag, attrs) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
    return e;
  }

  function dl(pairs) {
    var d = el('dl');
    for (var i = 0; i < pairs.length; i++) {
      if (pairs[i][1] === undefined || pairs[i][1] === null || pairs[i][1] === '') continue;
      append(d, [el('dt', null, pairs[i][0]), el('dd', null, pairs[i][1])]);
    }
    return d;
  }

  function table(caption, head, rows, attrs) {
    var t = el('table', attrs);
    if (caption) t.appendChild(el('caption', null, caption));
    var tr = el('tr');
    for (var i = 0; i < head.length; i++) tr.appendChild(el('th', { scope: 'col' }, head[i]));
    t.appendChild(el('thead', null, tr));
    var body = el('tbody');
    for (var j = 0; j < rows.length; j++) body.appendChild(rows[j]);
    t.appendChild(body);
    return el('div', { class: 'scroll' }, t);
  }

  function row(cells, attrs) {
    var tr = el('tr', attrs);
    for (var i = 0; i < cells.length; i++) tr.appendChild(cells[i] instanceof Node && (cells[i].nodeName === 'TD' || cells[i].nodeName === 'TH') ? cells[i] : el('td', null, cells[i]));
    return tr;
  }

  // ---- formatting --------------------------------------------------------------------------

  function life(n) {
    return n === INFINITY ? 'infinity' : n + ' s';
  }

  function ago(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 120) return s + ' s ago';
    if (s < 7200) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }

  function when(at) {
    if (typeof at !== 'number') return '';
    var now = status ? status.now : Date.now();
    return new Date(at).toLocaleTimeString() + ' (' + ago(now - at) + ')';
  }

  function onoff(b) {
    return b ? 'on' : 'off';
  }

  function mac(a) {
    if (typeof a === 'string') return a;
    return '?';
  }

  /** One RA option as [kind, details] (the same wording as `firsthop status`). */
  function option(o) {
    switch (o.type) {
      case 'sourceLinkLayer': return ['source link-layer', mac(o.address)];
      case 'mtu': return ['MTU', String(o.mtu)];
      case 'advertisementInterval': return ['advertisement interval', o.intervalMs + ' ms'];
      case 'homeAgentInfo': return ['home agent', 'preference ' + o.preference + ', lifetime ' + o.lifetime + ' s'];
      case 'prefixInformation': return ['prefix', o.prefix + '/' + o.prefixLength + '  valid ' + life(o.validLifetime) + ', preferred ' + life(o.preferredLifetime) + '  flags ' + (o.onLink ? 'L' : '-') + (o.autonomous ? 'A' : '-') + (o.routerAddress ? 'R' : '-') + (o.dhcpv6Pd ? 'P' : '-')];
      case 'routeInformation': return ['route', o.prefix + '/' + o.prefixLength + '  lifetime ' + life(o.lifetime) + ', preference ' + o.preference];
      case 'rdnss': return ['RDNSS', o.servers.join(' ') + '  lifetime ' + life(o.lifetime)];
      case 'dnssl': return ['DNSSL', o.domains.join(' ') + '  lifetime ' + life(o.lifetime)];
      case 'captivePortal': return ['captive portal', o.uri];
      case 'pref64': return ['PREF64', o.prefix + '/' + o.prefixLength + '  lifetime ' + o.lifetime + ' s'];
      case 'lowpanContext': return ['6LoWPAN context', o.contextId + ' ' + o.prefix + '/' + o.contextLength];
      case 'abro': return ['ABRO', o.address];
      case 'unknown': return ['option ' + o.code, (typeof o.body === 'string' ? o.body.length / 2 + 2 : '?') + ' bytes'];
      default: return [String(o.type), ''];
    }
  }

  function raHeader(ra) {
    return 'router lifetime ' + ra.routerLifetime + ' s, preference ' + ra.preference + ', hop limit ' + ra.curHopLimit + ', M ' + onoff(ra.managed) + ', O ' + onoff(ra.other) + ', reachable ' + ra.reachableTime + ' ms, retrans ' + ra.retransTimer + ' ms';
  }

  function raTable(caption, ra, cls) {
    var rows = [row([el('th', { scope: 'row' }, 'header'), el('td', { class: 'wire' }, raHeader(ra))])];
    for (var i = 0; i < ra.options.length; i++) {
      var o = option(ra.options[i]);
      rows.push(row([el('th', { scope: 'row' }, o[0]), el('td', { class: 'wire' }, o[1])], { 'data-option': ra.options[i].type }));
    }
    return table(caption, ['field', 'value'], rows, { class: cls || 'ra' });
  }

  function ifaceState(i) {
    if (!i.advSendAdvert) return ['monitor only (AdvSendAdvert off)', 'muted'];
    if (i.ready) return ['advertising from ' + i.source + (i.vrrp ? ' (virtual router ' + i.vrrp + ')' : ''), 'ok'];
    if (i.ifindex === undefined) return ['waiting for the interface', 'warn'];
    if (i.vrrp) return ['silent: virtual router ' + i.vrrp + ' is not Active here', 'warn'];
    return ['not ready (down, no carrier or no link-local address)', 'bad'];
  }

  function offersText(f) {
    var parts = [];
    if (f.defaultRoute) parts.push('default route (lifetime ' + f.routerLifetime + ' s)');
    if (f.prefixes.length) parts.push('prefixes ' + f.prefixes.join(' '));
    if (f.routes.length) parts.push('routes ' + f.routes.join(' '));
    if (f.rdnss.length) parts.push('RDNSS ' + f.rdnss.join(' '));
    if (f.dnssl.length) parts.push('DNSSL ' + f.dnssl.join(' '));
    if (f.captivePortal !== undefined) parts.push('captive portal ' + f.captivePortal);
    return parts.length ? parts.join('; ') : 'nothing';
  }

  // ---- sections ----------------------------------------------------------------------------

  function renderInterface(i, vrrpByName) {
    var st = ifaceState(i);
    var rogues = i.watch.routers.filter(function (r) { return r.rogue; }).length;
    var sec = el('section', { class: 'interface' + (rogues ? ' rogue' : ''), 'data-interface': i.name, 'aria-labelledby': 'if-' + i.name });
    sec.appendChild(el('h2', { id: 'if-' + i.name }, ['interface ', el('code', null, i.name), ' ', el('span', { class: 'badge ' + st[1] }, st[0])]));
    var s = i.stats;
    var pairs = [
      ['ifindex', i.ifindex],
      ['last RA', i.lastSent ? i.lastSent.kind + ' to ' + i.lastSent.destination + ', ' + when(i.lastSent.at) + ', ' + i.lastSent.packets + ' packet(s), ' + i.lastSent.bytes + ' bytes' : undefined],
      ['next multicast RA', i.nextMulticastAt !== undefined ? 'in ' + Math.max(0, (i.nextMulticastAt - status.now) / 1000).toFixed(1) + ' s' : undefined],
      ['RAs sent', i.advSendAdvert ? s.multicastSent + ' multicast, ' + s.unicastSent + ' unicast (' + Object.keys(i.sent).filter(function (k) { return i.sent[k] > 0; }).map(function (k) { return k + ' ' + i.sent[k]; }).join(', ') + ')' : undefined],
      ['RSs', i.advSendAdvert ? s.solicitationsReceived + ' received, ' + i.sent.solicited + ' answered, ' + s.solicitationsRateLimited + ' rate-limited, ' + s.solicitationsIgnored + ' ignored' : undefined],
      ['send errors', i.sendErrors ? String(i.sendErrors) : undefined],
    ];
    if (i.vrrp) {
      var v = vrrpByName[i.vrrp];
      pairs.push(['virtual router', i.vrrp + (v ? ': ' + v.state + ', priority ' + v.priority : '')]);
    }
    sec.appendChild(dl(pairs));
    if (i.advSendAdvert && i.ra) {
      sec.appendChild(el('h3', null, 'The RA on the wire now'));
      sec.appendChild(raTable(null, i.ra));
    }
    if (i.reasons.length) {
      sec.appendChild(el('h3', null, 'Why these values differ from the config'));
      sec.appendChild(table(null, ['field', 'value', 'configured', 'why', 'since'], i.reasons.map(function (r) {
        return row([el('td', { class: 'wire' }, r.field), String(r.value), r.configured === undefined ? '' : String(r.configured), r.why, r.since !== undefined ? when(r.since) : ''], { 'data-reason': r.field });
      }), { class: 'reasons' }));
    }
    if (i.withdrawn.length) {
      sec.appendChild(el('h3', null, 'Withdrawn (still advertised with lifetime 0)'));
      sec.appendChild(table(null, ['item', 'why', 'since', 'until'], i.withdrawn.map(function (w) {
        return row([el('td', { class: 'wire' }, w.key), w.why, when(w.withdrawnAt), new Date(w.expiresAt).toLocaleTimeString()]);
      })));
    }
    sec.appendChild(renderRouters(i));
    return sec;
  }

  function renderRouters(i) {
    var w = i.watch;
    var box = el('div', { class: 'routers' });
    box.appendChild(el('h3', null, 'Routers seen on the link'));
    box.appendChild(el('p', { class: 'muted' }, w.received + ' RAs heard, ' + w.rogueRas + ' from rogues, ' + (w.uninspected ? w.uninspected + ' from new sources only counted (flood), ' : '') + w.rogueDetections + ' rogue detections' + (w.countermeasuresSent ? ', ' + w.countermeasuresSent + ' withdrawn in their name' : '') + (w.evicted ? ', ' + w.evicted + ' evicted from the table' : '') + '; allowed: ' + (w.allowed.length ? w.allowed.join(' ') : 'none listed')));
    if (!w.routers.length) {
      box.appendChild(el('p', null, 'No other router heard.'));
      return box;
    }
    var list = el('ul', { class: 'plain' });
    for (var k = 0; k < w.routers.length; k++) {
      var r = w.routers[k];
      var role = r.rogue ? el('span', { class: 'badge bad' }, 'rogue') : el('span', { class: 'badge ' + (r.role === 'unknown' ? 'warn' : 'ok') }, r.role);
      var item = el('li', { 'data-router': r.source, class: r.rogue ? 'rogue' : '' });
      item.appendChild(el('h4', null, [el('code', null, r.source), ' ', role]));
      item.appendChild(dl([
        ['MAC', r.mac],
        ['heard', r.count + ' RAs, first ' + when(r.firstSeen) + ', last ' + when(r.lastSeen)],
        ['offers', offersText(r.offers)],
        ['withdrawn in its name', r.countered ? String(r.countered) : undefined],
      ]));
      if (r.inconsistencies.length) {
        item.appendChild(table('Inconsistent with ours', ['field', 'ours', 'theirs'], r.inconsistencies.map(function (x) {
          return row([x.field, x.ours, x.theirs]);
        })));
      }
      item.appendChild(raTable('Its last RA', r.ra, 'ra theirs'));
      list.appendChild(item);
    }
    box.appendChild(list);
    return box;
  }

  /**
   * The effective value over time (bands: green up, red down, grey before the first recorded
   * change) and the damping penalty (line: jumps at each flap, then decays), over the recorded
   * history or the last minute, whichever is longer.
   */
  function chart(c) {
    var h = c.history;
    var W = 300;
    var H = 40;
    var end = status.now;
    var start = Math.min(end - 60000, h.length ? h[0].at - Math.max(5000, (end - h[0].at) / 10) : end);
    var span = Math.max(1, end - start);
    var x = function (t) { return Math.max(0, Math.min(W, ((t - start) / span) * W)); };
    var s = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'timeline of ' + c.name });
    var band = function (cls, a, b) {
      s.appendChild(svg('rect', { class: cls, x: a.toFixed(1), y: 0, width: Math.max(1, b - a).toFixed(1), height: H }));
    };
    if (!h.length) {
      band(c.effective ? 'up' : 'down', 0, W);
    } else {
      band('unknown', 0, x(h[0].at));
      for (var i = 0; i < h.length; i++) band(h[i].effective ? 'up' : 'down', x(h[i].at), i + 1 < h.length ? x(h[i + 1].at) : W);
    }
    var top = c.damping ? Math.max(c.damping.suppress * 1.2, c.penalty, 1) : 0;
    if (top > 0) {
      var y = function (p) { return (H - 1 - (p / top) * (H - 2)).toFixed(1); };
      var pts = ['0,' + y(0)];
      var prev = 0;
      for (var j = 0; j < h.length; j++) {
        pts.push(x(h[j].at).toFixed(1) + ',' + y(prev));
        pts.push(x(h[j].at).toFixed(1) + ',' + y(h[j].penalty));
        prev = h[j].penalty;
      }
      pts.push(W + ',' + y(c.penalty));
      s.appendChild(svg('polyline', { class: 'penalty', points: pts.join(' ') }));
      s.appendChild(svg('line', { class: 'limit', x1: 0, x2: W, y1: y(c.damping.suppress), y2: y(c.damping.suppress) }));
    }
    return s;
  }

  function renderConditions(conds) {
    var sec = el('section', { class: 'conditions', 'aria-labelledby': 'conditions-h' });
    sec.appendChild(el('h2', { id: 'conditions-h' }, 'Conditions'));
    var rows = conds.map(function (c) {
      var eff = el('td', { class: 'effective ' + (c.effective ? 'ok' : 'bad') }, c.effective ? 'up' : 'down');
      var notes = [];
      if (c.raw !== c.effective) notes.push('raw ' + (c.raw ? 'up' : 'down'));
      if (c.pending) notes.push('probe pending');
      if (c.suppressed) notes.push('suppressed' + (c.suppressedUntil ? ' until ' + new Date(c.suppressedUntil).toLocaleTimeString() : ''));
      if (c.holdDownUntil !== undefined && c.holdDownUntil > status.now) notes.push('held down until ' + new Date(c.holdDownUntil).toLocaleTimeString());
      return row([el('td', null, el('code', null, c.name)), eff, c.description, notes.join(', '), c.damping ? String(Math.round(c.penalty)) : '', String(c.flaps), when(c.since)], { 'data-condition': c.name, 'data-effective': c.effective ? 'up' : 'down' });
    });
    sec.appendChild(table(null, ['name', 'value', 'what', 'notes', 'penalty', 'flaps', 'since'], rows));
    for (var i = 0; i < conds.length; i++) {
      var c = conds[i];
      var fig = el('figure', { 'data-timeline': c.name });
      fig.appendChild(el('figcaption', null, ['Timeline of ', el('code', null, c.name), c.damping ? ' (bands: value; line: damping penalty; dashes: suppress threshold ' + c.damping.suppress + ')' : ' (bands: value)']));
      fig.appendChild(chart(c));
      var ol = el('ol', { class: 'timeline', reversed: '' });
      var hist = c.history.slice(-8).reverse();
      for (var j = 0; j < hist.length; j++) {
        var e = hist[j];
        ol.appendChild(el('li', null, [el('time', { datetime: new Date(e.at).toISOString() }, new Date(e.at).toLocaleTimeString()), ' raw ' + (e.raw ? 'up' : 'down') + ', effective ' + (e.effective ? 'up' : 'down') + (c.damping ? ', penalty ' + Math.round(e.penalty) : '') + (e.event ? ', ' + e.event : '')]));
      }
      fig.appendChild(ol);
      sec.appendChild(fig);
    }
    return sec;
  }

  function renderVrrp(v) {
    var sec = el('section', { class: 'vrrp', 'aria-labelledby': 'vrrp-h' });
    sec.appendChild(el('h2', { id: 'vrrp-h' }, 'Virtual routers (VRRPv3)'));
    sec.appendChild(table(null, ['name', 'state', 'interface', 'priority', 'Active', 'last change'], v.routers.map(function (r) {
      var cls = r.state === 'active' ? 'ok' : r.state === 'backup' ? 'muted' : 'warn';
      var active = r.state === 'active' ? 'this router' : r.activeRouter ? r.activeRouter.address + ' (priority ' + r.activeRouter.priority + ')' : '';
      var last = r.lastTransition ? r.lastTransition.from + ' \u2192 ' + r.lastTransition.to + ', ' + when(r.lastTransition.at) + ': ' + r.lastTransition.reason : '';
      var prio = r.priority + (r.priority !== r.configuredPriority ? ' (configured ' + r.configuredPriority + ')' : '');
      return row([el('td', null, el('code', null, r.name)), el('td', { class: cls }, r.state + (r.fault && r.state === 'initialize' ? ' (' + r.fault + ')' : '')), r.interface + ', VRID ' + r.vrid, prio, active, last], { 'data-vrouter': r.name });
    })));
    return sec;
  }

  function eventText(e) {
    switch (e.type) {
      case 'ra': return 'RA on ' + e.interface + ' changed: ' + e.why;
      case 'condition': return 'condition ' + e.condition + ' ' + (e.effective ? 'up' : 'down') + (e.raw !== e.effective ? ' (raw ' + (e.raw ? 'up' : 'down') + ')' : '') + (e.penalty ? ', penalty ' + e.penalty : '');
      case 'vrrp': return 'virtual router ' + e.router + ' ' + e.state + ' (priority ' + e.priority + '): ' + e.why;
      case 'router': return 'router ' + e.source + ' on ' + e.interface + ': ' + e.change + (e.rogue ? ' (rogue)' : ' (' + e.role + ')');
      case 'rogue': return 'rogue router ' + e.source + ' on ' + e.interface + (e.mac ? ' (MAC ' + e.mac + ')' : '') + ' offers ' + offersText(e.offers) + (e.countered ? '; withdrawn in its name' : '');
      case 'reload': return 'reload ' + (e.ok ? 'ok' : 'failed');
      case 'suppressed': return e.count + ' more ' + e.what + ' events in the last minute were not sent (see the routers below)';
      default: return String(e.type);
    }
  }

  function renderEvents() {
    var sec = el('section', { class: 'events', 'aria-labelledby': 'events-h' });
    sec.appendChild(el('h2', { id: 'events-h' }, 'Recent changes'));
    if (!events.length) {
      sec.appendChild(el('p', { class: 'muted' }, 'None since this page was opened.'));
      return sec;
    }
    var ol = el('ol', { class: 'events', reversed: '' });
    for (var i = events.length - 1; i >= 0; i--) {
      var e = events[i];
      ol.appendChild(el('li', { 'data-event': e.type }, [el('time', { datetime: new Date(e.at).toISOString() }, new Date(e.at).toLocaleTimeString()), ' ', eventText(e)]));
    }
    sec.appendChild(ol);
    return sec;
  }

  function render() {
    if (!status) return;
    var s = status;
    document.getElementById('summary').textContent = 'firsthop ' + s.version + ', pid ' + s.pid + ', up ' + ago(s.now - s.startedAt).replace(' ago', '') + ', config ' + s.configPath;
    var vrrpByName = {};
    if (s.vrrp) for (var k = 0; k < s.vrrp.routers.length; k++) vrrpByName[s.vrrp.routers[k].name] = s.vrrp.routers[k];
    var parts = [];
    if (s.conditions.length) parts.push(renderConditions(s.conditions));
    if (s.vrrp) parts.push(renderVrrp(s.vrrp));
    for (var i = 0; i < s.interfaces.length; i++) parts.push(renderInterface(s.interfaces[i], vrrpByName));
    parts.push(renderEvents());
    var c = s.counters;
    var drops = Object.keys(s.drops).map(function (k) { return k + ' ' + s.drops[k]; }).join(', ');
    parts.push(el('section', { class: 'daemon', 'aria-labelledby': 'daemon-h' }, [
      el('h2', { id: 'daemon-h' }, 'Daemon'),
      dl([
        ['packets received', c.packetsReceived + ' (RS ' + c.rsReceived + ', RA from others ' + c.raReceived + ', inconsistent ' + c.raInconsistent + ')'],
        ['rogue routers', c.rogueDetections + ' detected, ' + c.rogueRas + ' RAs, ' + c.countermeasuresSent + ' withdrawals sent'],
        ['reloads', c.reloads + ' (' + c.reloadFailures + ' failed)'],
        ['dropped', drops || 'none'],
        ['updated', new Date(lastUpdate).toLocaleTimeString()],
      ]),
    ]));
    var app = document.getElementById('app');
    app.replaceChildren.apply(app, parts);
  }

  // ---- data --------------------------------------------------------------------------------

  function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    fetch('/api/status', { cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (s) {
        status = s;
        lastUpdate = Date.now();
        render();
      })
      .catch(function (e) {
        setLive(false, 'status unavailable: ' + e.message);
      })
      .then(function () {
        fetching = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  function setLive(on, text) {
    var l = document.getElementById('live');
    l.textContent = text;
    l.className = on ? 'on' : 'off';
  }

  function connect() {
    if (typeof EventSource === 'undefined') {
      setLive(false, 'no live updates in this browser; refreshing every ' + POLL_MS / 1000 + ' s');
      return;
    }
    var es = new EventSource('/api/events');
    es.onopen = function () {
      setLive(true, 'live');
      refresh();
    };
    es.onmessage = function (m) {
      var e;
      try {
        e = JSON.parse(m.data);
      } catch (err) {
        return;
      }
      events.push(e);
      if (events.length > RECENT_EVENTS) events.shift();
      refresh();
    };
    es.onerror = function () {
      setLive(false, 'reconnecting\u2026');
    };
  }

  refresh();
  connect();
  setInterval(refresh, POLL_MS);
})();
