// Weft viz dashboard: one page, fed live over the viz service's WebSockets (no reloads).
(function () {
  'use strict';
  const WINDOW = '30s';
  const HISTORY = 120; // points of each sparkline
  const TAP_ROWS = 200;
  const base = location.host;
  const wsUrl = (path) => (location.protocol === 'https:' ? 'wss://' : 'ws://') + base + path;
  const $ = (id) => document.getElementById(id);

  let namespace = new URLSearchParams(location.search).get('namespace') || '';
  let statSocket = null;
  let feedSocket = null;
  let tapSocket = null;
  let routesTimer = null;
  const history = new Map(); // workload -> {t: [], rps: [], plot}

  // --- views ---
  document.querySelectorAll('#tabs button').forEach((button) => button.addEventListener('click', () => show(button.dataset.view)));

  function show(view) {
    document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.view === view));
    document.querySelectorAll('.view').forEach((v) => v.classList.toggle('active', v.id === 'view-' + view));
    clearInterval(routesTimer);
    if (view === 'routes') {
      loadRoutes();
      routesTimer = setInterval(loadRoutes, 2000);
    }
    if (view === 'edges') {
      layout.alpha(0.5).restart();
    }
  }

  // --- namespaces and workloads ---
  async function loadPods() {
    const pods = await (await fetch('/api/pods')).json();
    const select = $('namespace');
    select.innerHTML = '';
    Object.keys(pods).forEach((ns) => select.add(new Option(ns, ns)));
    if (!namespace || !pods[namespace]) {
      namespace = Object.keys(pods).find((ns) => Object.values(pods[ns]).flat().some((p) => !p.includes('not meshed')))
        || Object.keys(pods)[0] || '';
    }
    select.value = namespace;
    const workloads = Object.keys(pods[namespace] || {});
    for (const id of ['tap-resource', 'routes-resource']) {
      const s = $(id);
      s.innerHTML = '';
      workloads.forEach((w) => s.add(new Option(w, shortName(w))));
    }
  }

  function shortName(workload) {
    return workload.replace(/^deployment\//, 'deploy/').replace(/^statefulset\//, 'sts/').replace(/^daemonset\//, 'ds/');
  }

  $('namespace').addEventListener('change', async (e) => {
    namespace = e.target.value;
    history.clear();
    $('workloads').tBodies[0].innerHTML = '';
    await loadPods();
    connect();
  });

  // --- live stat and edges ---
  function connect() {
    if (statSocket) statSocket.close();
    statSocket = new WebSocket(wsUrl('/ws/stat?resource=deploy&namespace=' + encodeURIComponent(namespace) + '&window=' + WINDOW));
    statSocket.onopen = () => { $('status').textContent = 'live'; };
    statSocket.onclose = () => { $('status').textContent = 'disconnected'; };
    statSocket.onmessage = (message) => {
      const update = JSON.parse(message.data);
      renderStat(update.stat);
      renderEdges(update.edges);
      $('updated').textContent = new Date().toLocaleTimeString();
    };
    if (feedSocket) feedSocket.close();
    $('feed').innerHTML = '';
    feedSocket = new WebSocket(wsUrl('/ws/feed?namespace=' + encodeURIComponent(namespace)));
    feedSocket.onmessage = (message) => {
      const item = document.createElement('li');
      let text = message.data;
      try {
        text = new Date().toLocaleTimeString() + '  ' + describeFeed(JSON.parse(text));
      } catch (e) { /* shown as it came */ }
      item.textContent = text;
      $('feed').prepend(item);
      while ($('feed').children.length > 300) $('feed').lastChild.remove();
    };
  }

  // One feed message in a line: an endpoint update's addresses, else the message as the control plane sent it.
  function describeFeed(m) {
    if (m.kind === 'endpoints' && m.update) {
      const u = m.update;
      const list = (set) => (set.addrs || []).map((a) => ipv4(a.addr.ip) + ':' + a.addr.port
        + (a.metricLabels && a.metricLabels.pod ? ' (' + a.metricLabels.pod + ')' : '')).join(', ');
      if (u.add) return 'endpoints ' + m.authority + '  added ' + list(u.add);
      if (u.remove) return 'endpoints ' + m.authority + '  removed ' + list(u.remove);
      if (u.noEndpoints) return 'endpoints ' + m.authority + '  none';
    }
    return (m.kind || '') + '  ' + JSON.stringify(m);
  }

  function ipv4(ip) {
    if (!ip || ip.ipv4 === undefined) return JSON.stringify(ip);
    const n = ip.ipv4 >>> 0;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }

  const pct = (v) => (v == null ? '-' : (v * 100).toFixed(2) + '%');
  const rps = (v) => (v == null ? '-' : v.toFixed(2));
  const ms = (v) => (v == null ? '-' : Math.ceil(v) + 'ms');

  function renderStat(rows) {
    const body = $('workloads').tBodies[0];
    const now = Date.now() / 1000;
    for (const row of rows) {
      let tr = body.querySelector('tr[data-name="' + CSS.escape(row.name) + '"]');
      if (!tr) {
        tr = body.insertRow();
        tr.dataset.name = row.name;
        for (let i = 0; i < 10; i++) tr.insertCell();
        tr.cells[9].innerHTML = '<div class="spark"></div>';
      }
      const cells = [row.name, row.meshed, pct(row.success), rps(row.rps), row.requests == null ? '-' : String(row.requests),
        ms(row.latency_ms_p50), ms(row.latency_ms_p95), ms(row.latency_ms_p99),
        row.tcp_open_connections == null ? '-' : String(row.tcp_open_connections)];
      cells.forEach((text, i) => {
        tr.cells[i].textContent = text;
        tr.cells[i].className = i >= 2 ? 'num' : '';
      });
      if (row.success != null) tr.cells[2].classList.add(row.success >= 0.95 ? 'good' : 'poor');
      spark(row.name, now, row.rps || 0, tr.cells[9].firstChild);
    }
  }

  function spark(name, t, value, element) {
    let h = history.get(name);
    if (!h) {
      h = { t: [], v: [], plot: null };
      history.set(name, h);
    }
    h.t.push(t);
    h.v.push(value);
    if (h.t.length > HISTORY) { h.t.shift(); h.v.shift(); }
    if (!h.plot) {
      h.plot = new uPlot({ width: 160, height: 36, cursor: { show: false }, legend: { show: false }, axes: [{ show: false }, { show: false }],
        scales: { x: { time: false } }, series: [{}, { stroke: '#0969da', fill: 'rgba(9,105,218,0.12)', width: 1.5, points: { show: false } }] },
        [h.t, h.v], element);
    } else {
      h.plot.setData([h.t, h.v]);
    }
  }

  // --- the edge graph (d3-force lays it out; SVG draws it) ---
  const nodes = new Map();
  let links = [];
  const layout = d3.forceSimulation([])
    .force('link', d3.forceLink([]).id((d) => d.id).distance(170))
    .force('charge', d3.forceManyBody().strength(-500))
    .force('center', d3.forceCenter(450, 240))
    .force('collide', d3.forceCollide(50))
    .on('tick', drawEdges);

  function renderEdges(edges) {
    const body = $('edges').tBodies[0];
    body.innerHTML = '';
    for (const e of edges) {
      const tr = body.insertRow();
      [e.source, e.destination, e.secured ? '√ SECURED' : '×', e.server_id || ''].forEach((text) => { tr.insertCell().textContent = text; });
      tr.cells[2].className = e.secured ? 'good' : 'poor';
    }
    const next = edges.map((e) => ({ source: e.source, target: e.destination, secured: e.secured }));
    const key = (l) => (l.source.id || l.source) + '>' + (l.target.id || l.target) + ':' + l.secured;
    if (next.length === links.length && next.every((l, i) => key(l) === key(links[i]))) {
      return; // the same graph: keep its layout
    }
    const ids = new Set(edges.flatMap((e) => [e.source, e.destination]));
    for (const id of ids) if (!nodes.has(id)) nodes.set(id, { id });
    for (const id of [...nodes.keys()]) if (!ids.has(id)) nodes.delete(id);
    links = next;
    buildGraph();
    layout.nodes([...nodes.values()]);
    layout.force('link').links(links);
    layout.alpha(0.8).restart();
  }

  // The graph's SVG elements, made once per change of the graph and moved on every tick.
  let drawn = { links: [], nodes: [] };

  function buildGraph() {
    const svgNs = 'http://www.w3.org/2000/svg';
    const linkLayer = document.querySelector('#edge-graph .links');
    const nodeLayer = document.querySelector('#edge-graph .nodes');
    linkLayer.innerHTML = '';
    nodeLayer.innerHTML = '';
    drawn = { links: [], nodes: [] };
    for (const l of links) {
      const line = document.createElementNS(svgNs, 'line');
      line.setAttribute('class', l.secured ? 'secured' : 'unsecured');
      line.dataset.source = l.source.id || l.source;
      line.dataset.target = l.target.id || l.target;
      line.dataset.secured = String(l.secured);
      linkLayer.appendChild(line);
      const label = document.createElementNS(svgNs, 'text');
      label.setAttribute('class', 'tls');
      label.textContent = l.secured ? 'SECURED' : 'NOT SECURED';
      linkLayer.appendChild(label);
      drawn.links.push({ link: l, line, label });
    }
    for (const n of nodes.values()) {
      const circle = document.createElementNS(svgNs, 'circle');
      circle.setAttribute('r', 22);
      circle.dataset.name = n.id;
      nodeLayer.appendChild(circle);
      const text = document.createElementNS(svgNs, 'text');
      text.setAttribute('text-anchor', 'middle');
      text.textContent = n.id;
      nodeLayer.appendChild(text);
      drawn.nodes.push({ node: n, circle, text });
    }
  }

  function drawEdges() {
    for (const { link, line, label } of drawn.links) {
      if (typeof link.source !== 'object') continue;
      line.setAttribute('x1', link.source.x); line.setAttribute('y1', link.source.y);
      line.setAttribute('x2', link.target.x); line.setAttribute('y2', link.target.y);
      label.setAttribute('x', (link.source.x + link.target.x) / 2);
      label.setAttribute('y', (link.source.y + link.target.y) / 2 - 6);
    }
    for (const { node, circle, text } of drawn.nodes) {
      circle.setAttribute('cx', node.x); circle.setAttribute('cy', node.y);
      text.setAttribute('x', node.x); text.setAttribute('y', node.y + 38);
    }
  }

  // --- tap ---
  $('tap-form').addEventListener('submit', (e) => {
    e.preventDefault();
    stopTap();
    const path = $('tap-path').value.trim();
    const query = 'resource=' + encodeURIComponent($('tap-resource').value) + '&namespace=' + encodeURIComponent(namespace)
      + (path ? '&path=' + encodeURIComponent(path) : '');
    tapSocket = new WebSocket(wsUrl('/ws/tap?' + query));
    tapSocket.onopen = () => { $('tap-state').textContent = 'tapping'; $('tap-stop').disabled = false; };
    tapSocket.onclose = () => { $('tap-state').textContent = 'stopped'; $('tap-stop').disabled = true; };
    tapSocket.onmessage = (message) => tapEvent(JSON.parse(message.data));
  });
  $('tap-stop').addEventListener('click', stopTap);

  function stopTap() {
    if (tapSocket) tapSocket.close();
    tapSocket = null;
  }

  function tapEvent(e) {
    const key = e.pod + '/' + e.proxy + '/' + e.id;
    const body = $('tap-rows');
    let tr = body.querySelector('tr[data-key="' + CSS.escape(key) + '"]');
    if (e.type === 'req') {
      tr = document.createElement('tr');
      tr.dataset.key = key;
      [e.proxy, end(e.source_meta, e.source), end(e.destination_meta, e.destination), e.tls, e.method, e.path, '', '', '']
        .forEach((text) => { tr.insertCell().textContent = text; });
      body.prepend(tr);
      while (body.children.length > TAP_ROWS) body.lastChild.remove();
    } else if (tr && e.type === 'rsp') {
      tr.cells[6].textContent = e.status;
      tr.cells[6].className = e.status >= 500 ? 'poor' : 'good';
      tr.cells[7].textContent = (e.latency_micros / 1000).toFixed(1) + 'ms';
    } else if (tr) {
      tr.cells[8].textContent = e.response_bytes + 'B' + (e.grpc_status != null ? ' grpc-status=' + e.grpc_status : '');
    }
  }

  function end(meta, address) {
    meta = meta || {};
    return meta.pod || meta.deployment || address;
  }

  // --- routes ---
  async function loadRoutes() {
    const resource = $('routes-resource').value;
    if (!resource) return;
    const answer = await fetch('/api/routes?resource=' + encodeURIComponent(resource) + '&namespace=' + encodeURIComponent(namespace)
      + '&window=1m');
    const body = $('routes').tBodies[0];
    body.innerHTML = '';
    if (!answer.ok) {
      body.insertRow().insertCell().textContent = (await answer.json()).error;
      return;
    }
    for (const r of await answer.json()) {
      const tr = body.insertRow();
      tr.dataset.route = r.route;
      [r.route, r.service, pct(r.effective_success), rps(r.effective_rps), pct(r.actual_success), rps(r.actual_rps),
        ms(r.latency_ms_p50), ms(r.latency_ms_p95), ms(r.latency_ms_p99)].forEach((text) => { tr.insertCell().textContent = text; });
    }
  }
  $('routes-resource').addEventListener('change', loadRoutes);

  loadPods().then(connect).catch((e) => { $('status').textContent = 'cannot reach the viz service: ' + e; });
})();
