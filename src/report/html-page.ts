// The report page's own script and style (inlined by html.ts). The script reads the
// review JSON from the page and builds everything with DOM calls and textContent, so
// no name or message from the review is ever parsed as HTML; diff2html draws a
// change's diff (escaping its lines) only when the change is opened. Changes and
// targets out of view are not laid out (content-visibility) until they scroll near:
// that is most of the time a page of 10,000 changes takes to open.

export const PAGE_STYLE = `
body{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1280px;margin:0 auto;padding:16px 24px 64px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d1d9e0;padding-bottom:4px}
.pass{color:#1a7f37}.fail{color:#cf222e}.muted{color:#59636e}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
table.sd{border-collapse:collapse;margin:8px 0;width:100%}table.sd th,table.sd td{border:1px solid #d1d9e0;padding:4px 8px;text-align:left;vertical-align:top}
table.sd th{background:#f6f8fa}table.grid td{text-align:center}table.grid td:first-child{text-align:left}
.bar{position:sticky;top:0;background:#fff;z-index:5;padding:8px 0;display:flex;gap:8px;flex-wrap:wrap;align-items:center;border-bottom:1px solid #d1d9e0}
input[type=search]{flex:1;min-width:240px;padding:6px 8px;font-size:14px}select,button{padding:5px 8px;font-size:13px}
details.change{border:1px solid #d1d9e0;border-radius:6px;margin:6px 0}details.change>summary{padding:6px 10px;cursor:pointer}
details.change[open]>summary{border-bottom:1px solid #d1d9e0;background:#f6f8fa}details.change .body{padding:8px 10px;overflow-x:auto}
details.change:target,details.change.linked{outline:2px solid #0969da}
.target>h3{font-size:15px;margin:18px 0 6px}.impact{margin:2px 0}.differs{color:#9a6700;font-weight:600}
.edge{margin:2px 0}.node{border:1px solid #d1d9e0;border-radius:4px;padding:0 4px;background:#f6f8fa;cursor:pointer}
.a-create{background:#dafbe1}.a-update{background:#ddf4ff}.a-replace{background:#fff8c5}.a-delete{background:#ffebe9}
.hidden{display:none}
details.change{content-visibility:auto;contain-intrinsic-size:auto 40px}section.target{content-visibility:auto}
`;

export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var review = JSON.parse(document.getElementById('review-data').textContent);
  var app = document.getElementById('app');
  var ICON = { create: '\u2795', update: '\u270f\ufe0f', replace: '\u267b\ufe0f', delete: '\ud83d\uddd1\ufe0f' };
  var SEVERITY = { error: '\u274c', warning: '\u26a0\ufe0f', notice: '\u2139\ufe0f' };
  var layout = 'line-by-line';
  var MATRIX_ROWS = 100;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'className') node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); });
    return node;
  }
  function code(text) { return el('code', { text: text }); }
  function objectName(c) { return c.kind + ' ' + (c.namespace ? c.namespace + '/' : '') + c.name; }
  // Lookups by names from the review: no inherited key ("__proto__", "constructor") can answer.
  var ids = Object.create(null);
  var byTargetObject = Object.create(null);
  var changeIds = JSON.parse(document.getElementById('change-ids').textContent);
  review.targets.forEach(function (t, ti) {
    t.changes.forEach(function (c, ci) {
      c.id = changeIds[ti][ci];
      ids[c.id] = { target: t, change: c };
      byTargetObject[t.name + '\u0000' + c.kind + '\u0000' + (c.namespace || '') + '\u0000' + c.name] = c;
    });
  });

  // Header: verdict, counts, commits, tools.
  var s = review.summary;
  app.appendChild(el('h1', { className: review.verdict }, [review.verdict === 'pass' ? '\u2705 safe-deploy: safe to merge' : '\u274c safe-deploy: this merge is blocked']));
  app.appendChild(el('p', {}, [el('b', { text: s.created + ' created \u00b7 ' + s.updated + ' updated \u00b7 ' + s.replaced + ' replaced \u00b7 ' + s.deleted + ' deleted' }), ' in ' + review.targets.length + ' target' + (review.targets.length === 1 ? '' : 's') + ' \u00b7 ' + review.findings.length + ' finding' + (review.findings.length === 1 ? '' : 's')]));
  app.appendChild(el('p', { className: 'muted' }, ['Base ', code(review.base), ' \u2192 head ', code(review.head)]));
  // What diff.ignore hid: the page never hides silently either.
  if (review.ignored) {
    var sum = function (key) { return review.ignored.reduce(function (n, t) { return n + t[key]; }, 0); };
    app.appendChild(el('p', { className: 'muted', id: 'ignored', text: review.ignored.length + ' ignore rule' + (review.ignored.length === 1 ? '' : 's') + ' (diff.ignore ' + review.ignored.map(function (t) { return '[' + t.entry + ']'; }).join(', ') + ') hid ' + sum('fields') + ' field change' + (sum('fields') === 1 ? '' : 's') + ' on ' + sum('objects') + ' object' + (sum('objects') === 1 ? '' : 's') + '; ' + sum('unchanged') + ' had no other change and are not listed.' }));
  }
  // The approvals the change needs (reviews: of the base config).
  if (review.reviews && review.reviews.length) {
    app.appendChild(el('h2', { text: 'Reviews needed' }));
    var rows = review.reviews.map(function (r) {
      var state = r.satisfied === undefined ? 'needs ' + r.require.join(' or ') : r.satisfied ? '\u2705 ' + r.approvedBy.map(function (u) { return '@' + u; }).join(', ') : '\u23f3 needs ' + r.require.join(' or ');
      return el('tr', {}, [el('td', { text: r.name }), el('td', { text: r.because.join('; ') }), el('td', { text: state })]);
    });
    app.appendChild(el('table', { id: 'reviews', className: 'sd' }, [el('thead', {}, [el('tr', {}, ['Review', 'Why', 'Approval'].map(function (h) { return el('th', { text: h }); }))]), el('tbody', {}, rows)]));
  }

  // Search and layout, kept in view.
  var search = el('input', { type: 'search', placeholder: 'Search changes by kind, name or namespace', 'aria-label': 'Search changes', id: 'search' });
  var layoutButton = el('button', { type: 'button', id: 'layout', text: 'Side by side' });
  var bar = el('div', { className: 'bar' }, [search, layoutButton, el('span', { id: 'shown', className: 'muted' })]);
  app.appendChild(bar);

  // Findings with filters.
  app.appendChild(el('h2', { text: 'Findings' }));
  if (!review.findings.length) app.appendChild(el('p', { className: 'muted', text: 'No findings.' }));
  else {
    var unique = function (key) { return review.findings.map(function (f) { return f[key]; }).filter(function (v, i, all) { return all.indexOf(v) === i; }).sort(); };
    var filter = function (id, label, values) {
      var select = el('select', { id: id, 'aria-label': label }, [el('option', { value: '', text: 'All ' + label })]);
      values.forEach(function (v) { select.appendChild(el('option', { value: v, text: v })); });
      return select;
    };
    var filters = [filter('f-severity', 'severities', unique('severity')), filter('f-rule', 'rules', unique('rule')), filter('f-target', 'targets', unique('target'))];
    app.appendChild(el('div', {}, filters));
    var body = el('tbody');
    review.findings.forEach(function (f) {
      var resource = f.kind ? code(f.kind + ' ' + (f.namespace ? f.namespace + '/' : '') + f.name) : document.createTextNode('target ' + f.target);
      var change = f.kind ? byTargetObject[f.target + '\u0000' + f.kind + '\u0000' + (f.namespace || '') + '\u0000' + f.name] : null;
      var cell = el('td', {}, [change ? el('a', { href: '#' + change.id }, [resource]) : resource]);
      var row = el('tr', { 'data-severity': f.severity, 'data-rule': f.rule, 'data-target': f.target, className: 'finding' }, [
        el('td', { text: (SEVERITY[f.severity] || '') + ' ' + f.severity + (f.overridden ? ' (overridden)' : '') + (f.introduced ? '' : ' (already present)') }),
        el('td', {}, [code(f.rule)]), cell, el('td', { text: f.message }), el('td', {}, [f.file ? code(f.file + (f.line ? ':' + f.line : '')) : '']),
      ]);
      body.appendChild(row);
    });
    app.appendChild(el('table', { id: 'findings', className: 'sd' }, [el('thead', {}, [el('tr', {}, ['Severity', 'Rule', 'Resource', 'Message', 'Source'].map(function (h) { return el('th', { text: h }); }))]), body]));
    filters.forEach(function (select) {
      select.addEventListener('change', function () {
        var want = { severity: filters[0].value, rule: filters[1].value, target: filters[2].value };
        body.querySelectorAll('tr').forEach(function (row) {
          var ok = ['severity', 'rule', 'target'].every(function (k) { return !want[k] || row.getAttribute('data-' + k) === want[k]; });
          row.classList.toggle('hidden', !ok);
        });
      });
    });
  }

  // Environment matrix: objects by target, each cell linking to that target's change.
  var matrix = review.matrix;
  if (matrix && matrix.targets.length > 1 && matrix.groups.some(function (g) { return g.members.length > 1; })) {
    app.appendChild(el('h2', { text: 'Environment matrix' }));
    var groups = Object.create(null);
    matrix.groups.forEach(function (g) { groups[g.id] = g; });
    var head = el('tr', {}, [el('th', { text: 'Object' })].concat(matrix.targets.map(function (t) { return el('th', {}, [code(t)]); })));
    var row = function (r) {
      var first = el('td', {}, [code(r.kind + ' ' + r.baseName)].concat(r.differs ? [' ', el('span', { className: 'differs', text: '\u26a0\ufe0f differs' })] : []));
      return el('tr', {}, [first].concat(matrix.targets.map(function (t) {
        var cell = r.cells[t];
        if (!cell) return el('td');
        var group = groups[cell.group];
        var change = byTargetObject[t + '\u0000' + r.kind + '\u0000' + (cell.namespace || '') + '\u0000' + cell.name];
        var title = cell.action + ' (' + (group.members.length > 1 ? 'same in ' + group.members.length + ' objects' : 'only here') + ')';
        return el('td', { title: title }, [change ? el('a', { href: '#' + change.id, text: ICON[cell.action] }) : ICON[cell.action]]);
      })));
    };
    // Objects that differ between targets first; past MATRIX_ROWS, the rest when asked (a table is laid out whole).
    var sorted = matrix.rows.slice().sort(function (a, b) { return (b.differs ? 1 : 0) - (a.differs ? 1 : 0); });
    var tbody = el('tbody', {}, sorted.slice(0, MATRIX_ROWS).map(row));
    app.appendChild(el('table', { className: 'sd grid', id: 'matrix' }, [el('thead', {}, [head]), tbody]));
    if (sorted.length > MATRIX_ROWS) {
      var more = el('button', { type: 'button', id: 'matrix-all', text: 'Show all ' + sorted.length + ' objects' });
      more.addEventListener('click', function () {
        sorted.slice(MATRIX_ROWS).forEach(function (r) { tbody.appendChild(row(r)); });
        more.remove();
      });
      app.appendChild(more);
    }
  }

  // Blast radius: what each changed object reaches, every node a link to its change.
  var graphs = review.targets.filter(function (t) { return t.blastRadius && t.blastRadius.edges.length; });
  if (graphs.length) {
    app.appendChild(el('h2', { text: 'Blast radius' }));
    app.appendChild(el('p', { className: 'muted', text: 'Each line: an object, then what depends on it. Click an object to open its change.' }));
    graphs.forEach(function (t) {
      var nodes = Object.create(null);
      t.blastRadius.nodes.forEach(function (n) { nodes[n.id] = n; });
      var section = el('div', { className: 'graph' }, [el('h3', {}, [code(t.name)])]);
      var node = function (n) {
        var change = byTargetObject[t.name + '\u0000' + n.kind + '\u0000' + (n.namespace || '') + '\u0000' + n.name];
        var label = objectName(n) + (n.action !== 'unchanged' ? ' (' + n.action + (n.impact ? ', ' + n.impact : '') + ')' : '');
        return change ? el('a', { href: '#' + change.id, className: 'node a-' + n.action, text: label }) : el('span', { className: 'node', text: label });
      };
      t.blastRadius.edges.forEach(function (e) {
        section.appendChild(el('div', { className: 'edge' }, [node(nodes[e.from]), ' \u2192 ', node(nodes[e.to]), el('span', { className: 'muted', text: ' (' + e.via.join(', ') + ')' })]));
      });
      if (t.blastRadius.omitted) section.appendChild(el('p', { className: 'muted', text: 'and ' + t.blastRadius.omitted + ' more objects' }));
      app.appendChild(section);
    });
  }

  // Targets and their changes; a diff is drawn when its change is opened.
  app.appendChild(el('h2', { text: 'Changes' }));
  function draw(details) {
    var entry = ids[details.id];
    var body = details.querySelector('.body');
    var diff = entry.change.diff || '';
    var holder = el('div', { className: 'diff' });
    if (/^--- /m.test(diff) && window.Diff2Html) holder.innerHTML = window.Diff2Html.html(diff, { outputFormat: layout, drawFileList: false, matching: 'lines' });
    else holder.appendChild(el('pre', { className: 'mono', text: diff }));
    var old = body.querySelector('.diff');
    if (old) body.replaceChild(holder, old); else body.appendChild(holder);
  }
  var targetSections = [];
  review.targets.forEach(function (t) {
    var section = el('section', { className: 'target' }, [el('h3', {}, [code(t.name), el('span', { className: 'muted', text: ' \u00b7 ' + t.renderer + ' \u00b7 ' + (t.status === 'error' ? 'render failed' : t.changes.length + ' change' + (t.changes.length === 1 ? '' : 's')) })])]);
    if (t.error) section.appendChild(el('p', { className: 'fail', text: 'Render failed: ' + t.error }));
    (t.notes || []).forEach(function (n) { section.appendChild(el('p', { className: 'muted', text: n })); });
    t.changes.forEach(function (c) {
      var summary = el('summary', {}, [ICON[c.action] + ' ' + c.action + ' ', code(objectName(c))].concat(c.impacts.length ? [el('span', { className: 'muted', text: ' \u00b7 ' + c.impacts.map(function (i) { return i.type; }).join(', ') })] : []));
      var body = el('div', { className: 'body' }, c.impacts.map(function (i) { return el('div', { className: 'impact', text: i.type + ': ' + i.message }); }));
      var details = el('details', { className: 'change', id: c.id, 'data-search': (c.kind + ' ' + (c.namespace || '') + ' ' + c.name + ' ' + (c.namespace || '') + '/' + c.name).toLowerCase() }, [summary, body]);
      details.addEventListener('toggle', function () { if (details.open && !body.querySelector('.diff')) draw(details); });
      section.appendChild(details);
    });
    // The room the target takes before it is laid out: its changes, closed (CSSOM, which the page's policy allows).
    section.style.containIntrinsicSize = 'auto ' + (40 * t.changes.length + 60) + 'px';
    targetSections.push(section);
    app.appendChild(section);
  });

  var all = document.querySelectorAll('details.change');
  function count() {
    var visible = 0;
    all.forEach(function (d) { if (!d.classList.contains('hidden')) visible++; });
    document.getElementById('shown').textContent = visible + ' of ' + all.length + ' changes';
  }
  search.addEventListener('input', function () {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    all.forEach(function (d) {
      var text = d.getAttribute('data-search');
      d.classList.toggle('hidden', !words.every(function (w) { return text.indexOf(w) >= 0; }));
    });
    targetSections.forEach(function (section) { section.classList.toggle('hidden', words.length > 0 && !section.querySelector('details.change:not(.hidden)')); });
    count();
  });
  layoutButton.addEventListener('click', function () {
    layout = layout === 'line-by-line' ? 'side-by-side' : 'line-by-line';
    layoutButton.textContent = layout === 'line-by-line' ? 'Side by side' : 'Unified';
    document.querySelectorAll('details.change[open]').forEach(draw);
  });
  function follow() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && ids[id] ? document.getElementById(id) : null;
    if (!target) return;
    document.querySelectorAll('details.change.linked').forEach(function (d) { d.classList.remove('linked'); });
    target.classList.remove('hidden');
    target.parentNode.classList.remove('hidden');
    target.classList.add('linked');
    target.open = true;
    if (!target.querySelector('.diff')) draw(target);
    target.scrollIntoView({ block: 'start' });
  }
  window.addEventListener('hashchange', follow);
  count();
  follow();
})();`;
