// report.js: draws the pages of report.h from the JSON in the element #hs-data: a sweep's report
// (render_report), or a recipe's (render_recipe_report: its kind is "recipe"), whose steps with
// results each get the same views as a sweep, drawn by the same sweepView() into a section of
// their own. Embedded into the page at build time; plain ES5-style JavaScript, no library, SVG
// built as strings (one innerHTML per plot, which is what keeps 1,000 x 100 curves fast).
// For the tests: each .plot gets data-series (series or point sets drawn), the scatter also
// data-points; <body> gets data-render-ms (script time: JSON.parse, drawing, and one forced
// style and layout pass), data-page-ms (the same moment since navigation start) and data-rendered.
(function () {
  'use strict';
  var t0 = performance.now();
  var DATA = JSON.parse(document.getElementById('hs-data').textContent);
  var CURVES = ['val_acc', 'val_loss', 'train_acc', 'train_loss'];
  var KEY = { val_acc: 'va', val_loss: 'vl', train_acc: 'ta', train_loss: 'tl' };

  // ---- small helpers --------------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;');
  }
  // The data's numbers: null where there is none (NaN, not printed), and inf as 1e999, which
  // JSON.parse reads as Infinity: a value, shown as inf or -inf (as show and the CSV say), never
  // drawn (ok() is false).
  function ok(v) { return typeof v === 'number' && isFinite(v); }
  function isInf(v) { return v === Infinity || v === -Infinity; }
  function fmt(v, d) {
    if (v === null || v === undefined || (typeof v === 'number' && isNaN(v))) return '\u2013';
    if (typeof v !== 'number') return String(v);
    if (!isFinite(v)) return v > 0 ? 'inf' : '-inf';
    d = d || 4;
    var a = Math.abs(v);
    if (v === Math.round(v) && a < 1e7) return String(v);
    var s = (a !== 0 && (a < 1e-3 || a >= 1e5)) ? v.toExponential(d - 1) : v.toPrecision(d);
    if (s.indexOf('e') >= 0) return s.replace(/\.?0+e/, 'e').replace('e+', 'e');
    return s.indexOf('.') >= 0 ? s.replace(/\.?0+$/, '') : s;
  }
  function px(v) { return (Math.round(v * 10) / 10).toString(); }
  function isLog(p) { return p.k === 'log_uniform' || (p.k === 'int' && p.log); }
  function epochsOf(c) {
    if (c.e) return c.e;
    var n = 0, k;
    for (k in c) if (c[k] && c[k].length > n) n = c[k].length;
    var e = new Array(n);
    for (var j = 0; j < n; ++j) e[j] = j + 1;
    return e;
  }

  // ---- axes -----------------------------------------------------------------------------------
  function extent(arrs, log) {
    var lo = Infinity, hi = -Infinity;
    for (var a = 0; a < arrs.length; ++a) {
      var v = arrs[a];
      if (!v) continue;
      for (var j = 0; j < v.length; ++j) {
        var x = v[j];
        if (!ok(x) || (log && x <= 0)) continue;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
    if (lo > hi) return log ? [0.1, 10] : [0, 1];
    return [lo, hi];
  }
  function niceTicks(lo, hi, n) {
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / n))), e = span / n / step;
    if (e >= 7.5) step *= 10; else if (e >= 3.5) step *= 5; else if (e >= 1.5) step *= 2;
    var t = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push(+v.toPrecision(12));
    return t;
  }
  // An axis from domain [lo, hi] to pixels [r0, r1]: linear, log10, or categorical (cat: labels).
  function axis(dom, r0, r1, log, cat) {
    var lo = dom[0], hi = dom[1], ticks, labels = null;
    if (cat) {
      lo = -0.5; hi = cat.length - 0.5; ticks = cat.map(function (_, k) { return k; }); labels = cat;
    } else if (log) {
      var a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
      if (b === a) b = a + 1;
      lo = Math.pow(10, a); hi = Math.pow(10, b); ticks = [];
      var step = Math.max(1, Math.ceil((b - a) / 8));
      for (var k = a; k <= b; k += step) ticks.push(Math.pow(10, k));
      if (b - a === 1) ticks.splice(1, 0, 2 * lo, 5 * lo);
    } else {
      if (!(hi > lo)) { var d = Math.abs(lo) * 0.1 || 1; lo -= d; hi += d; }
      var pad = (hi - lo) * 0.04; lo -= pad; hi += pad;
      ticks = niceTicks(lo, hi, 5);
    }
    var L = log ? Math.log10(lo) : lo, H = log ? Math.log10(hi) : hi;
    function f(v) { return r0 + ((log ? Math.log10(v) : v) - L) / (H - L) * (r1 - r0); }
    function inv(p) { var u = L + (p - r0) / (r1 - r0) * (H - L); return log ? Math.pow(10, u) : u; }
    return { f: f, inv: inv, ticks: ticks, labels: labels, log: log };
  }
  // A plot frame: axes, grid, tick labels and axis titles as SVG parts in fr.s.
  function frame(o) {
    var w = o.w || 640, h = o.h || 300, m = { l: 64, r: o.y2 ? 58 : 16, t: o.legend ? 30 : 14, b: o.xcat ? 54 : 40 };
    var X = axis(o.x, m.l, w - m.r, o.xlog, o.xcat), Y = axis(o.y, h - m.b, m.t, o.ylog, o.ycat);
    var s = [], k, p;
    for (k = 0; k < Y.ticks.length; ++k) {
      p = px(Y.f(Y.ticks[k]));
      s.push('<line class="grid" x1="' + m.l + '" x2="' + (w - m.r) + '" y1="' + p + '" y2="' + p + '"/>');
      s.push('<text x="' + (m.l - 5) + '" y="' + p + '" dy="4" text-anchor="end">' +
        esc(Y.labels ? Y.labels[k] : fmt(Y.ticks[k], 3)) + '</text>');
    }
    for (k = 0; k < X.ticks.length; ++k) {
      p = px(X.f(X.ticks[k]));
      s.push('<line class="grid" y1="' + m.t + '" y2="' + (h - m.b) + '" x1="' + p + '" x2="' + p + '"/>');
      s.push('<text x="' + p + '" y="' + (h - m.b + 15) + '" text-anchor="middle">' +
        esc(X.labels ? String(X.labels[k]).slice(0, 14) : fmt(X.ticks[k], 3)) + '</text>');
    }
    s.push('<line class="axis" x1="' + m.l + '" x2="' + (w - m.r) + '" y1="' + (h - m.b) + '" y2="' + (h - m.b) + '"/>');
    s.push('<line class="axis" x1="' + m.l + '" x2="' + m.l + '" y1="' + m.t + '" y2="' + (h - m.b) + '"/>');
    s.push('<text x="' + ((m.l + w - m.r) / 2) + '" y="' + (h - 6) + '" text-anchor="middle">' + esc(o.xlabel || '') + '</text>');
    s.push('<text transform="translate(14,' + ((m.t + h - m.b) / 2) + ') rotate(-90)" text-anchor="middle">' + esc(o.ylabel || '') + '</text>');
    var Y2 = null;
    if (o.y2) {
      Y2 = axis(o.y2, h - m.b, m.t, o.y2log);
      for (k = 0; k < Y2.ticks.length; ++k) {
        p = px(Y2.f(Y2.ticks[k]));
        s.push('<text x="' + (w - m.r + 5) + '" y="' + p + '" dy="4">' + esc(fmt(Y2.ticks[k], 3)) + '</text>');
      }
      s.push('<line class="axis" x1="' + (w - m.r) + '" x2="' + (w - m.r) + '" y1="' + m.t + '" y2="' + (h - m.b) + '"/>');
      s.push('<text transform="translate(' + (w - 8) + ',' + ((m.t + h - m.b) / 2) + ') rotate(90)" text-anchor="middle">' + esc(o.y2label || '') + '</text>');
    }
    return { X: X, Y: Y, Y2: Y2, s: s, m: m, w: w, h: h };
  }
  function finish(el, fr, series, extra) {
    el.innerHTML = '<svg viewBox="0 0 ' + fr.w + ' ' + fr.h + '" preserveAspectRatio="xMidYMid meet">' +
      fr.s.join('') + (extra || '') + '</svg>';
    el.setAttribute('data-series', String(series));
    el._frame = fr;
  }
  function empty(el, why) {
    el.innerHTML = '<div class="empty">' + esc(why) + '</div>';
    el.setAttribute('data-series', '0');
  }
  // The path through (xs[j], ys[j]); a null or (log axis) non-positive value breaks the line.
  function pathD(xs, ys, X, Y) {
    var d = [], pen = false;
    for (var j = 0; j < ys.length; ++j) {
      var y = ys[j];
      if (!ok(y) || (Y.log && y <= 0) || !ok(xs[j])) { pen = false; continue; }
      d.push((pen ? 'L' : 'M') + px(X.f(xs[j])) + ',' + px(Y.f(y)));
      pen = true;
    }
    return d.join('');
  }
  function points(xs, ys, X, Y, color, r) {
    var s = [];
    for (var j = 0; j < ys.length; ++j) {
      if (!ok(ys[j]) || !ok(xs[j])) continue;
      s.push('<circle cx="' + px(X.f(xs[j])) + '" cy="' + px(Y.f(ys[j])) + '" r="' + r + '" fill="' + color +
        '" fill-opacity=".45"/>');
    }
    return s.join('');
  }
  // Centred moving average over 2k+1 epochs (fewer at the ends), nulls skipped.
  function movingAverage(v) {
    var k = Math.max(1, Math.min(10, Math.round(v.length / 10))), out = new Array(v.length);
    for (var j = 0; j < v.length; ++j) {
      var s = 0, n = 0;
      for (var q = Math.max(0, j - k); q <= Math.min(v.length - 1, j + k); ++q) if (ok(v[q])) { s += v[q]; ++n; }
      out[j] = n && ok(v[j]) ? s / n : null;
    }
    return out;
  }
  function has(v) { if (!v) return false; for (var j = 0; j < v.length; ++j) if (ok(v[j])) return true; return false; }
  function legend(fr, items) {
    var x = fr.m.l + 4, y = 15, s = '';
    items.forEach(function (it) {
      s += '<rect x="' + x + '" y="' + (y - 8) + '" width="10" height="10" fill="' + it[1] + '"/>' +
        '<text x="' + (x + 14) + '" y="' + (y + 1) + '">' + esc(it[0]) + '</text>';
      x += 22 + 7 * it[0].length;
    });
    return s;
  }

  // Trials with a result (T.ok: as the sweep told its strategy, pruned ones at their value so
  // far), best first.
  function ranking(S) {
    var T = S.t, MAX = S.dir === 'max', r = [];
    for (var i = 0; i < T.id.length; ++i) if (T.ok[i] === 1) r.push(i);
    // Equal results: the lower id first, as run and show name the best (row order is the
    // order the ranks recorded them in).
    r.sort(function (a, b) {
      return (MAX ? T.bm[b] - T.bm[a] : T.bm[a] - T.bm[b]) || T.id[a] - T.id[b];
    });
    return r;
  }
  // The best trial of a ranking: the first with a final result (T.fin: metric.h's result_of, never
  // a pruned trial); -1: none.
  function bestOf(S, ranked) {
    for (var q = 0; q < ranked.length; ++q) if (S.t.fin[ranked[q]] === 1) return ranked[q];
    return -1;
  }

  // ---- a sweep's views --------------------------------------------------------------------------
  // The elements sweepView() draws into. Every id starts with `pre`, so one page can hold several
  // sweeps (a recipe's steps); the single-sweep page uses "" and so its ids are the plain names
  // the tests and users' scripts know. hx: the heading tag of the parts ('h2' or 'h3').
  function sweepSkeleton(pre, hx) {
    function sec(id, title, inner) {
      return '<section class="part" id="' + pre + id + '"><' + hx + ' id="' + pre + id + '-title">' + title + '</' + hx +
        '>' + inner + '</section>';
    }
    function plot(id) { return '<div class="plot" id="' + pre + id + '"></div>'; }
    function cap(text, id) { return '<div class="caption"' + (id ? ' id="' + pre + id + '"' : '') + '>' + text + '</div>'; }
    return sec('summary', 'Sweep', '<div id="' + pre + 'summary-body"></div>') +
      sec('curves', 'Validation curves', cap('', 'overlay-caption') + plot('plot-overlay')) +
      sec('rungs', 'Pruning rungs', cap('', 'rungs-caption') + plot('plot-rungs')) +
      sec('trial', 'Chosen trial', '<div id="' + pre + 'trial-head"></div><div class="row3">' +
        '<div>' + cap('loss: points per <span class="xl"></span>, lines their moving average; lr on the right axis') + plot('plot-loss') + '</div>' +
        '<div>' + cap('accuracy: points per <span class="xl"></span>, lines their moving average') + plot('plot-acc') + '</div>' +
        '<div>' + cap('update/weight ratio per layer (log axis; dashed: 1e-3); for a command, the other columns it printed', 'ratio-caption') + plot('plot-ratio') + '</div></div>') +
      sec('search', 'Search space', '<div class="row"><div><div class="controls">x <select id="' + pre + 'scatter-x"></select> y ' +
        '<select id="' + pre + 'scatter-y"></select></div>' +
        cap('trials with a result coloured by rank of the metric (yellow: best); crosses: no result') + plot('plot-scatter') + '</div>' +
        '<div>' + cap('parallel coordinates: every searched parameter and the metric') + plot('plot-parallel') + '</div></div>') +
      sec('progress', 'Best so far', plot('plot-bestsofar')) +
      sec('table', 'Trials', cap('', 'table-note') + '<div class="tablewrap"><table id="' + pre + 'trials-table"></table></div>');
  }

  // Draws sweep D (the object render_report embeds) into the elements of sweepSkeleton(pre) inside
  // root, and answers clicks inside root: a row, point or curve chooses its trial, a header sorts.
  // o.xlabel: what a curve row is ('epoch' unless given; the recipe's lr search records updates).
  function sweepView(root, D, pre, o) {
    var T = D.t, N = T.id.length, P = D.params, MAX = D.dir === 'max', XL = o.xlabel || 'epoch';
    function $(id) { return document.getElementById(pre + id); }
    var xls = root.querySelectorAll('.xl');
    for (var q0 = 0; q0 < xls.length; ++q0) xls[q0].textContent = XL;
    function curveOf(i) { return T.c[i]; }
    function better(a, b) { return MAX ? a > b : a < b; }
    var PE = T.pe || [], RG = T.rg || [], BR = T.br || [], DEC = T.dec || [], RUNGS = D.rungs || [];
    function pruned(i) { return PE[i] > 0; }
    // Where trial i's result stands: "epoch N" when it is that epoch's value, else (a command's
    // result is the last value it printed, BEV its best epoch's when another) both.
    var BEV = T.bev || [];
    function resultAtBest(i) { return BEV[i] === null || BEV[i] === undefined; }
    function atBest(i) {
      return resultAtBest(i) ? XL + ' ' + T.be[i] : 'best ' + XL + ' ' + T.be[i] + ': ' + fmt(BEV[i], 5);
    }
    var NPRUNED = 0;
    for (var q1 = 0; q1 < N; ++q1) if (pruned(q1)) ++NPRUNED;

    var ranked = ranking(D), rankOf = new Array(N);
    ranked.forEach(function (t, r) { rankOf[t] = r; });
    var best = bestOf(D, ranked);
    var sel = best >= 0 ? best : (N ? 0 : -1);

    // Viridis-like colour of a rank (best: yellow, worst: purple).
    var VIR = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    function rankColor(t) {
      var r = rankOf[t], m = ranked.length;
      var u = m > 1 ? 1 - r / (m - 1) : 1, x = u * (VIR.length - 1), k = Math.min(Math.floor(x), VIR.length - 2);
      var f = x - k, a = VIR[k], b = VIR[k + 1];
      return 'rgb(' + Math.round(a[0] + f * (b[0] - a[0])) + ',' + Math.round(a[1] + f * (b[1] - a[1])) +
        ',' + Math.round(a[2] + f * (b[2] - a[2])) + ')';
    }
    function paramText(i, short) {
      var s = [];
      P.forEach(function (p, j) {
        if (p.k === 'fixed' && short) return;
        s.push(p.n + '=' + fmt(T.p[j][i], 4));
      });
      return s.join(' ');
    }

    // ---- summary --------------------------------------------------------------------------------
    function renderSummary() {
      var counts = {}, order = [];
      T.st.forEach(function (s) { if (!(s in counts)) { counts[s] = 0; order.push(s); } ++counts[s]; });
      var st = order.map(function (s) {
        return '<span class="status st-' + esc(s) + '">' + esc(s) + ' ' + counts[s] + '</span>';
      }).join(' ');
      var h = '<dl class="summary">' +
        '<dt>strategy</dt><dd>' + esc(D.strategy) + '</dd>' +
        '<dt>seed</dt><dd>' + esc(D.seed) + '</dd>' +
        '<dt>metric</dt><dd>' + esc(D.metric) + ' (' + (MAX ? 'maximised' : 'minimised') + ')</dd>' +
        '<dt>trials</dt><dd>' + N + ' &nbsp; ' + st + '</dd>';
      if (D.pruner || NPRUNED) {
        var brackets = {};
        RUNGS.forEach(function (r) { brackets[r[0]] = 1; });
        var nb = Object.keys(brackets).filter(function (b) { return +b >= 0; }).length;
        h += '<dt>pruner</dt><dd>' + esc(D.pruner || '?') + ': ' + NPRUNED + ' of ' + N + ' trials pruned' +
          (RUNGS.length ? ', ' + RUNGS.length + ' rungs' + (nb ? ' in ' + nb + ' brackets' : '') : '') + '</dd>';
      }
      if (best >= 0) {
        h += '<dt>best trial</dt><dd><b>' + T.id[best] + '</b>: ' + esc(D.metric) + ' ' + fmt(T.bm[best], 5) +
          ' (' + atBest(best) + '), test acc ' + fmt(T.tacc[best], 4) + '</dd>' +
          '<dt>best params</dt><dd>' + esc(paramText(best, false)) + '</dd>';
      } else {
        h += '<dt>best trial</dt><dd class="note">no trial has a result yet</dd>';
      }
      h += '<dt>space</dt><dd>' + P.map(function (p) { return esc(p.n + ' ' + p.k + ' ' + p.d); }).join('<br>') + '</dd>';
      h += '<dt>version</dt><dd>hypersweep ' + esc(D.version) + ', started ' + esc(D.start) + '</dd></dl>';
      h += '<details><summary>config (hash ' + esc(D.hash) + ')</summary><pre>' + esc(D.config) + '</pre></details>';
      $('summary-body').innerHTML = h;
    }

    // ---- all validation curves overlaid -----------------------------------------------------------
    // Trial i's curve of `name`: a fixed column, else an extra one its command printed (a metric
    // such as val_f1 is one), or undefined.
    function seriesOf(i, name) {
      var c = curveOf(i);
      if (KEY[name]) return c ? c[KEY[name]] : undefined;
      var names = (T.xn || [])[i] || [], cols = (T.xc || [])[i], k = names.indexOf(name);
      return k >= 0 && cols ? cols[k] : undefined;
    }
    function anyHas(name) {
      for (var i = 0; i < N; ++i) if (curveOf(i) && has(seriesOf(i, name))) return true;
      return false;
    }
    var OV = CURVES.indexOf(D.metric) >= 0 || anyHas(D.metric) ? D.metric : 'val_acc';
    // Sweeps that measure no validation side (the recipe's overfit and lr-search steps, whose
    // rows are measured on the training sample) show train_loss (train_acc when that is all).
    if (KEY[OV] && !anyHas('val_acc') && !anyHas('val_loss') && (anyHas('train_loss') || anyHas('train_acc')))
      OV = anyHas('train_loss') ? 'train_loss' : 'train_acc';
    function renderOverlay() {
      var el = $('plot-overlay'), ys = [], xs = [], with_ = [];
      for (var i = 0; i < N; ++i) {
        var c = curveOf(i), y = seriesOf(i, OV);
        if (c && has(y)) { with_.push(i); xs.push(epochsOf(c)); ys.push(y); }
      }
      $('curves-title').textContent = OV.indexOf('train_') === 0 ? 'Training curves' :
        OV.indexOf('val_') === 0 ? 'Validation curves' : 'Curves of ' + OV;
      var npr = with_.filter(pruned).length;
      $('overlay-caption').textContent = OV + ' of every trial with curves (' + with_.length + ' of ' + N +
        '); best in orange, the chosen trial in red' +
        (npr ? '; the ' + npr + ' pruned trials dashed and fainter, a dot where they were stopped' : '') +
        '. Click a curve to choose its trial.';
      if (!with_.length) return empty(el, 'no trial recorded curves');
      // A loss that blows up before it turns NaN (a diverging lr) would squash every other curve
      // into the bottom of the plot: losses are cut at 1.5 times the highest first value, where
      // every run starts, and drawn along the top beyond it.
      var yd = extent(ys), cap = null;
      if (/loss/.test(OV)) {
        var first = -Infinity;
        ys.forEach(function (v) { for (var j = 0; j < v.length; ++j) if (ok(v[j])) { first = Math.max(first, v[j]); break; } });
        if (first > 0 && yd[1] > 1.5 * first) { cap = 1.5 * first; yd = [Math.min(yd[0], cap), cap]; }
      }
      var fr = frame({ w: 1100, h: 340, legend: npr > 0, x: extent(xs), y: yd, xlabel: XL,
        ylabel: OV + (cap === null ? '' : ' (cut at ' + fmt(cap, 3) + ')') });
      var body = [], last = '';
      for (var q = 0; q < with_.length; ++q) {
        if (cap !== null) ys[q] = ys[q].map(function (v) { return ok(v) && v > cap ? cap : v; });
        var t = with_[q], cls = t === best ? 'curve best' : pruned(t) ? 'curve pruned' : 'curve';
        var p = '<path class="' + cls + '" data-c="' + t + '" d="' + pathD(xs[q], ys[q], fr.X, fr.Y) + '"/>';
        if (cls === 'curve pruned') {  // a mark where it was stopped
          for (var j = ys[q].length - 1; j >= 0; --j) {
            if (!ok(ys[q][j]) || !ok(xs[q][j])) continue;
            p += '<circle class="stop" cx="' + px(fr.X.f(xs[q][j])) + '" cy="' + px(fr.Y.f(ys[q][j])) + '" r="2.5"/>';
            break;
          }
        }
        if (t === best) last = p; else body.push(p);
      }
      fr.s.push(body.join('') + last);
      finish(el, fr, with_.length, npr ? legend(fr, [['ran on', '#4a72b0'], ['pruned (dashed, a dot where stopped)', '#6c7689'],
        ['best', '#e8590c']]) : '');
      el.setAttribute('data-pruned', String(npr));
      // Fainter curves as they get many, so 1,000 of them still show where most of them run.
      el.querySelector('svg').style.setProperty('--curve-opacity', String(Math.max(0.06, Math.min(0.5, 12 / with_.length))));
      el._curves = { idx: with_, xs: xs, ys: ys };
      markOverlay();
    }
    function markOverlay() {
      var el = $('plot-overlay'), g = el.querySelector('svg');
      if (!g) return;
      var old = g.querySelector('path.sel');
      if (old) old.classList.remove('sel');
      var p = g.querySelector('path[data-c="' + sel + '"]');
      if (p) { p.classList.add('sel'); g.appendChild(p); }
    }
    // A click on the overlay chooses the trial whose curve passes nearest (in pixels) below it.
    function overlayClick(ev) {
      var el = $('plot-overlay'), fr = el._frame, cv = el._curves, g = el.querySelector('svg');
      if (!fr || !cv || !g) return;
      var r = g.getBoundingClientRect(), sx = fr.w / r.width, sy = fr.h / r.height;
      var x = (ev.clientX - r.left) * sx, y = (ev.clientY - r.top) * sy, e = fr.X.inv(x), bestD = 25, pick = -1;
      for (var q = 0; q < cv.idx.length; ++q) {
        var xs = cv.xs[q], ys = cv.ys[q], j = 0, dj = Infinity;
        for (var k = 0; k < xs.length; ++k) { var dd = Math.abs(xs[k] - e); if (dd < dj && ok(ys[k])) { dj = dd; j = k; } }
        if (!ok(ys[j])) continue;
        var d = Math.abs(fr.Y.f(ys[j]) - y);
        if (d < bestD) { bestD = d; pick = cv.idx[q]; }
      }
      if (pick >= 0) select(pick);
    }

    // ---- the chosen trial --------------------------------------------------------------------------
    function renderTrial() {
      var i = sel, hd = $('trial-head'), els = [$('plot-loss'), $('plot-acc'), $('plot-ratio')];
      if (i < 0) { hd.innerHTML = '<span class="note">no trials</span>'; els.forEach(function (e) { empty(e, ''); }); return; }
      var h = '<b>trial ' + T.id[i] + '</b> <span class="status st-' + esc(T.st[i]) + '">' + esc(T.st[i]) + '</span> ' +
        esc(paramText(i, true)) + ' &nbsp;\u2014 ' + esc(D.metric) + ' ' + fmt(T.bm[i], 5) +
        (resultAtBest(i) ? ' at ' + atBest(i) : ' (' + atBest(i) + ')') +
        ', test acc ' + fmt(T.tacc[i], 4) + ', ' + T.ep[i] + ' epochs, ' + fmt(T.sec[i], 3) + ' s on ' + esc(T.host[i]) +
        ' (rank ' + T.rank[i] + ')';
      if (pruned(i) || RG[i] >= 0)
        h += '<div class="decision">' + (pruned(i) ? 'pruned at ' + XL + ' ' + PE[i] : '') +
          (RG[i] >= 0 ? (pruned(i) ? ', ' : '') + 'rung ' + RG[i] + (BR[i] >= 0 ? ' of bracket ' + BR[i] : '') : '') +
          (DEC[i] ? ': ' + esc(DEC[i]) : '') + '</div>';
      if (T.err[i]) h += '<div class="error">error: ' + esc(T.err[i]) + '</div>';
      var f = T.f[i] || [];
      if (f.length) {
        h += '<ul class="findings">' + f.map(function (x) {
          return '<li><span class="tag tag-' + esc(x[0]) + '">' + esc(x[0]) + '</span> ' + esc(x[1]) +
            (x[2] ? ' <i>\u2192 ' + esc(x[2]) + '</i>' : '') + '</li>';
        }).join('') + '</ul>';
      }
      hd.innerHTML = h;
      var c = curveOf(i);
      if (!c) { els.forEach(function (e) { empty(e, 'this trial recorded no curves'); }); return; }
      var ep = epochsOf(c);
      twoCurves(els[0], ep, c.tl, c.vl, 'loss', c.lr);
      twoCurves(els[1], ep, c.ta, c.va, 'accuracy', null);
      if (!has((T.ur[i] || [])[0]) && T.xn[i] && T.xn[i].length) renderExtra(els[2], ep, T.xn[i], T.xc[i]);
      else renderRatios(els[2], ep, T.ln[i], T.ur[i]);
    }
    // The other columns a command printed per epoch (epoch_time, ...), one line each.
    function renderExtra(el, ep, names, cols) {
      var fr = frame({ w: 460, h: 310, legend: true, x: extent([ep]), y: extent(cols), xlabel: XL,
        ylabel: 'other printed columns' });
      var n = 0, s = '', leg = [];
      (cols || []).forEach(function (v, k) {
        if (!has(v)) return;
        var col = LAYER_COLORS[k % LAYER_COLORS.length];
        s += '<path class="ma" stroke="' + col + '" d="' + pathD(ep, v, fr.X, fr.Y) + '"/>';
        ++n; leg.push([names[k], col]);
      });
      fr.s.push(s);
      finish(el, fr, n, legend(fr, leg));
    }
    // train and val as points plus their moving averages; lr (when given) on a second axis.
    function twoCurves(el, ep, tr, va, name, lr) {
      var ys = [tr, va].filter(has);
      if (!ys.length) return empty(el, 'no ' + name + ' recorded');
      var withLr = has(lr);
      var fr = frame({ w: 460, h: 310, legend: true, x: extent([ep]), y: extent(ys), xlabel: XL, ylabel: name,
        y2: withLr ? extent([lr]) : null, y2label: 'lr' });
      var n = 0, s = '', leg = [];
      [[tr, 'train', '#1f6feb'], [va, 'val', '#e8590c']].forEach(function (c) {
        if (!has(c[0])) return;
        s += points(ep, c[0], fr.X, fr.Y, c[2], 2.6);
        s += '<path class="ma" stroke="' + c[2] + '" d="' + pathD(ep, movingAverage(c[0]), fr.X, fr.Y) + '"/>';
        n += 2; leg.push([c[1] + ' ' + name, c[2]]);
      });
      if (withLr) {
        s += '<path class="lr" d="' + pathD(ep, lr, fr.X, fr.Y2) + '"/>';
        ++n; leg.push(['lr', '#7a7f8a']);
      }
      fr.s.push(s);
      finish(el, fr, n, legend(fr, leg));
    }
    var LAYER_COLORS = ['#1f6feb', '#e8590c', '#2b8a3e', '#ae3ec9', '#f08c00', '#0c8599', '#c92a2a', '#5c940d'];
    function renderRatios(el, ep, names, ur) {
      var ys = (ur || []).filter(function (v) { return has(v); });
      if (!ys.length) return empty(el, 'no update/weight ratios recorded');
      var fr = frame({ w: 460, h: 310, legend: true, x: extent([ep]), y: extent(ur, true), ylog: true, xlabel: XL,
        ylabel: 'update / weight ratio' });
      var n = 0, s = '', leg = [];
      var ref = fr.Y.f(1e-3);
      if (ref >= fr.m.t && ref <= fr.h - fr.m.b)
        s += '<line class="ref" x1="' + fr.m.l + '" x2="' + (fr.w - fr.m.r) + '" y1="' + px(ref) + '" y2="' + px(ref) + '"/>';
      ur.forEach(function (v, l) {
        if (!has(v)) return;
        var col = LAYER_COLORS[l % LAYER_COLORS.length];
        s += '<path class="ma" stroke="' + col + '" d="' + pathD(ep, v, fr.X, fr.Y) + '"/>';
        ++n; leg.push([names && names[l] ? names[l] : 'layer ' + l, col]);
      });
      fr.s.push(s);
      finish(el, fr, n, legend(fr, leg));
    }

    // ---- the random-search picture -----------------------------------------------------------------
    var searched = [];
    P.forEach(function (p, j) { if (p.k !== 'fixed') searched.push(j); });
    function coordOf(j) {  // a parameter column (j >= 0) or the metric (j === -1) as numbers
      if (j === -1) return { v: T.bm.map(function (x, i) { return rankOf[i] === undefined ? null : x; }), log: false, cat: null, name: D.metric };
      var p = P[j], col = T.p[j];
      if (p.k === 'choice' || p.k === 'fixed') {
        // Numeric choices in increasing order, as a number axis runs (the recipe's lrs are given
        // largest first, which drew the lr axis backwards).
        var c = (p.c || []).slice();
        if (c.length && c.every(function (x) { return typeof x === 'number'; })) c.sort(function (a, b) { return a - b; });
        var cats = c.map(String), v = col.map(function (x) { var k = cats.indexOf(String(x)); return k < 0 ? null : k; });
        return { v: v, log: false, cat: cats.length ? cats : ['?'], name: p.n };
      }
      return { v: col.map(function (x) { return typeof x === 'number' ? x : null; }), log: isLog(p), cat: null, name: p.n };
    }
    function jitter(i, k) { var s = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453; return (s - Math.floor(s) - 0.5) * 0.5; }
    function setupScatter() {
      var xs = $('scatter-x'), ys = $('scatter-y'), opts = '';
      searched.forEach(function (j) { opts += '<option value="' + j + '">' + esc(P[j].n) + '</option>'; });
      opts += '<option value="-1">' + esc(D.metric) + ' (metric)</option>';
      xs.innerHTML = opts; ys.innerHTML = opts;
      function find(n) { for (var q = 0; q < searched.length; ++q) if (P[searched[q]].n === n) return searched[q]; return null; }
      var x = find('lr'), y = find('weight_decay');
      if (x === null) x = searched.length ? searched[0] : -1;
      if (y === null || y === x) y = searched.filter(function (j) { return j !== x; })[0];
      if (y === undefined) y = -1;
      xs.value = String(x); ys.value = String(y);
      xs.onchange = ys.onchange = renderScatter;
    }
    function renderScatter() {
      var el = $('plot-scatter'), jx = +$('scatter-x').value, jy = +$('scatter-y').value;
      if (!N) return empty(el, 'no trials');
      var cx = coordOf(jx), cy = coordOf(jy);
      var fr = frame({ w: 540, h: 380, x: extent([cx.v], cx.log), y: extent([cy.v], cy.log), xlog: cx.log, ylog: cy.log,
        xcat: cx.cat, ycat: cy.cat, xlabel: cx.name + (cx.log ? ' (log)' : ''), ylabel: cy.name + (cy.log ? ' (log)' : '') });
      function pos(c, i, k) {
        var v = c.v[i];
        if (!ok(v) || (c.log && v <= 0)) return null;
        return c.cat ? v + jitter(i, k) : v;
      }
      var miss = '', pts = [], nMiss = 0;
      for (var i = 0; i < N; ++i) {
        var a = pos(cx, i, 1), b = pos(cy, i, 2);
        if (a === null || b === null) continue;
        var X = fr.X.f(a), Y = fr.Y.f(b);
        if (rankOf[i] === undefined) {
          miss += '<path class="miss" data-i="' + i + '" d="M' + px(X - 4) + ',' + px(Y - 4) + 'l8,8m0,-8l-8,8"><title>trial ' +
            T.id[i] + ': ' + esc(T.st[i]) + '</title></path>';
          ++nMiss;
        } else {
          pts.push([rankOf[i], '<circle class="pt' + (i === sel ? ' sel' : '') + '" data-i="' + i + '" cx="' + px(X) + '" cy="' + px(Y) +
            '" r="5" fill="' + rankColor(i) + '"><title>trial ' + T.id[i] + ': ' + esc(D.metric) + ' ' + fmt(T.bm[i], 4) +
            ' (rank ' + (rankOf[i] + 1) + ')</title></circle>']);
        }
      }
      pts.sort(function (a, b) { return b[0] - a[0]; });  // the best drawn last, on top
      fr.s.push(miss + pts.map(function (p) { return p[1]; }).join(''));
      finish(el, fr, (pts.length ? 1 : 0) + (nMiss ? 1 : 0));
      el.setAttribute('data-points', String(pts.length));
    }
    function renderParallel() {
      var el = $('plot-parallel'), dims = searched.concat([-1]);
      if (!N) return empty(el, 'no trials');
      var w = 640, h = 400, m = { l: 30, r: 50, t: 28, b: 20 }, s = [];
      var step = dims.length > 1 ? (w - m.l - m.r) / (dims.length - 1) : 0;
      var axes = dims.map(function (j, k) {
        var c = coordOf(j), A = axis(extent([c.v], c.log), h - m.b, m.t, c.log, c.cat), x = m.l + k * step;
        s.push('<line class="axis" x1="' + px(x) + '" x2="' + px(x) + '" y1="' + m.t + '" y2="' + (h - m.b) + '"/>');
        s.push('<text x="' + px(x) + '" y="' + (m.t - 10) + '" text-anchor="middle" font-weight="600">' + esc(c.name) + '</text>');
        A.ticks.forEach(function (t, q) {
          var y = A.f(t);
          if (y < m.t - 1 || y > h - m.b + 1) return;
          s.push('<text x="' + px(x + 4) + '" y="' + px(y) + '" dy="4">' + esc(A.labels ? String(A.labels[q]).slice(0, 12) : fmt(t, 3)) + '</text>');
        });
        return { c: c, A: A, x: x };
      });
      var lines = [], n = 0;
      for (var i = 0; i < N; ++i) {
        var d = [], pen = false;
        axes.forEach(function (a) {
          var v = a.c.v[i];
          if (!ok(v) || (a.c.log && v <= 0)) { pen = false; return; }
          d.push((pen ? 'L' : 'M') + px(a.x) + ',' + px(a.A.f(v)));
          pen = true;
        });
        if (!d.length) continue;
        var r = rankOf[i];
        lines.push([r === undefined ? 1e9 : r, '<path class="pc' + (r === undefined ? ' none' : '') + '" data-i="' + i + '" d="' + d.join('') +
          '"' + (r === undefined ? '' : ' stroke="' + rankColor(i) + '"') + '><title>trial ' + T.id[i] + '</title></path>']);
        ++n;
      }
      lines.sort(function (a, b) { return b[0] - a[0]; });
      s.push(lines.map(function (l) { return l[1]; }).join(''));
      finish(el, { s: s, w: w, h: h }, n);
      markParallel();
    }
    function markParallel() {
      var g = $('plot-parallel').querySelector('svg');
      if (!g) return;
      var old = g.querySelector('path.sel');
      if (old) old.classList.remove('sel');
      var p = g.querySelector('path[data-i="' + sel + '"]');
      if (p) { p.classList.add('sel'); g.appendChild(p); }
    }

    // ---- best so far (bayes, tpe) ----------------------------------------------------------------------
    function renderBestSoFar() {
      var sec = $('progress'), el = $('plot-bestsofar');
      if (D.strategy !== 'bayes' && D.strategy !== 'tpe') { sec.style.display = 'none'; el.setAttribute('data-series', '0'); return; }
      var xs = [], ys = [], bs = [], cur = null;
      for (var i = 0; i < N; ++i) {
        var v = rankOf[i] === undefined ? null : T.bm[i];
        if (v !== null && (cur === null || better(v, cur))) cur = v;
        xs.push(i + 1); ys.push(v); bs.push(cur);
      }
      if (cur === null) return empty(el, 'no trial has a result yet');
      var fr = frame({ w: 1100, h: 300, legend: true, x: [1, Math.max(2, N)], y: extent([ys]), xlabel: 'trial number (in recorded order)', ylabel: D.metric });
      var d = [], pen = false;
      for (var k = 0; k < N; ++k) {
        if (bs[k] === null) continue;
        var X = px(fr.X.f(xs[k])), Y = px(fr.Y.f(bs[k]));
        d.push(pen ? 'H' + X + 'V' + Y : 'M' + X + ',' + Y);
        pen = true;
      }
      fr.s.push(points(xs, ys, fr.X, fr.Y, '#1f6feb', 3) + '<path class="step" d="' + d.join('') + '"/>');
      finish(el, fr, 2, legend(fr, [['trial ' + D.metric, '#1f6feb'], ['best so far', '#e8590c']]));
    }

    // ---- the pruner's rungs ----------------------------------------------------------------------
    // Per rung (bracket by bracket, in the schedule's order): bars of the trials that reached it,
    // the part pruned there darker over them, and the best value there as points on the right
    // axis, joined within a bracket. Hidden for a sweep without rungs.
    function renderRungs() {
      var sec = $('rungs'), el = $('plot-rungs');
      if (!RUNGS.length) { sec.style.display = 'none'; el.setAttribute('data-series', '0'); return; }
      var cats = RUNGS.map(function (r) { return (r[0] >= 0 ? 'b' + r[0] + ' ' : '') + 'r' + r[1] + ' ' + XL.charAt(0) + r[2]; });
      var reached = RUNGS.map(function (r) { return r[4]; }), bests = RUNGS.map(function (r) { return r[6]; });
      var hasBest = has(bests);
      var fr = frame({ w: 1100, h: 300, legend: true, x: [0, 1], xcat: cats, y: [0, Math.max(1, Math.max.apply(null, reached))],
        xlabel: (RUNGS[0][0] >= 0 ? 'bracket b, ' : '') + 'rung r, at ' + XL + ' e', ylabel: 'trials',
        y2: hasBest ? extent([bests]) : null, y2label: 'best ' + D.metric });
      var band = RUNGS.length > 1 ? fr.X.f(1) - fr.X.f(0) : (fr.w - fr.m.l - fr.m.r), bw = Math.min(60, band * 0.6);
      var s = '', y0 = fr.Y.f(0), line = [], lines = [];
      RUNGS.forEach(function (r, k) {
        var x = fr.X.f(k) - bw / 2, tip = (r[0] >= 0 ? 'bracket ' + r[0] + ' ' : '') + 'rung ' + r[1] + ' (' + XL + ' ' + r[2] + '): ' + r[4] +
          ' reached' + (r[3] > 0 ? ' of ' + r[3] + ' planned' : '') + ', ' + r[5] + ' pruned there' +
          (ok(r[6]) ? ', best ' + D.metric + ' ' + fmt(r[6], 5) + ' (trial ' + r[7] + ')' : '');
        if (k > 0 && r[0] !== RUNGS[k - 1][0]) {
          var xs = px(fr.X.f(k) - band / 2);
          s += '<line class="sep" x1="' + xs + '" x2="' + xs + '" y1="' + fr.m.t + '" y2="' + px(y0) + '"/>';
          lines.push(line); line = [];
        }
        s += '<rect class="bar reached" x="' + px(x) + '" width="' + px(bw) + '" y="' + px(fr.Y.f(r[4])) + '" height="' +
          px(y0 - fr.Y.f(r[4])) + '"><title>' + esc(tip) + '</title></rect>';
        s += '<rect class="bar pruned" x="' + px(x) + '" width="' + px(bw) + '" y="' + px(fr.Y.f(r[5])) + '" height="' +
          px(y0 - fr.Y.f(r[5])) + '"><title>' + esc(tip) + '</title></rect>';
        if (hasBest && ok(r[6])) {
          var cy = px(fr.Y2.f(r[6]));
          s += '<circle class="rbest" cx="' + px(fr.X.f(k)) + '" cy="' + cy + '" r="4"><title>' + esc(tip) + '</title></circle>';
          line.push((line.length ? 'L' : 'M') + px(fr.X.f(k)) + ',' + cy);
        }
      });
      lines.push(line);
      lines.forEach(function (l) { if (l.length > 1) s += '<path class="rline" d="' + l.join('') + '"/>'; });
      fr.s.push(s);
      finish(el, fr, RUNGS.length, legend(fr, [['reached', '#a5c0e8'], ['pruned there', '#5c6b80'], ['best ' + D.metric, '#2b8a3e']]));
      $('rungs-caption').textContent = 'trials per rung of the ' + (D.pruner || 'pruner') + ' schedule: bars the trials that reached it, ' +
        'their darker part those pruned there; points the best ' + D.metric + ' at the rung\'s ' + XL + ' (right axis)';
    }

    // ---- the table of trials -----------------------------------------------------------------------------
    var COLS = [{ h: 'id', v: function (i) { return T.id[i]; } },
      { h: 'status', l: 1, v: function (i) { return T.st[i]; },
        html: function (i) {
          var tip = T.err[i] || DEC[i];
          return '<span class="status st-' + esc(T.st[i]) + '"' + (tip ? ' title="' + esc(tip) + '"' : '') + '>' + esc(T.st[i]) +
            (pruned(i) ? '@' + PE[i] : '') + '</span>';
        } }];
    searched.forEach(function (j) {
      COLS.push({ h: P[j].n, l: P[j].k === 'choice' ? 1 : 0, v: function (i) { return T.p[j][i]; } });
    });
    var TIE = T.tie || [];  // ties the best: within one standard error of it (trial/tie.h)
    // Sorted as ranked (a trial without a result last), shown as show shows it: an inf metric is
    // no result (trial/metric.h), but it is inf, not missing; a diverged or failed trial's value
    // measured before it ended is no result either, but it is shown.
    COLS.push({ h: D.metric, v: function (i) { return rankOf[i] === undefined ? null : T.bm[i]; }, d: 5, metric: 1,
        html: function (i) {
          return esc(fmt(T.bm[i], 5)) + (TIE[i] ? ' <span class="tie" title="within one ' +
            'standard error of the best: the validation set cannot tell them apart">tie</span>' : '');
        } },
      { h: 'best ' + XL, v: function (i) { return T.be[i]; } },
      { h: 'test acc', v: function (i) { return T.tacc[i]; }, d: 4 },
      { h: 'epochs', v: function (i) { return T.ep[i]; } },
      RUNGS.length ? { h: 'rung', v: function (i) { return RG[i] >= 0 ? RG[i] : null; } } : null,
      { h: 'seconds', v: function (i) { return T.sec[i]; }, d: 3 },
      { h: 'diagnosis', l: 1, diag: 1, v: function (i) { return (T.f[i] || []).map(function (x) { return x[0]; }).join(' '); },
        html: function (i) {
          return (T.f[i] || []).map(function (x) {
            var tip = x[1] + (x[2] ? ' \u2192 ' + x[2] : '') + (x[3] ? ' (' + XL + 's ' + x[3] + '\u2013' + x[4] + ')' : '');
            return '<span class="tag tag-' + esc(x[0]) + '" title="' + esc(tip) + '">' + esc(x[0]) + '</span>';
          }).join('');
        } });
    COLS = COLS.filter(function (c) { return c; });  // without rungs, no rung column
    // The results a command printed beyond its metric: a column each (union, first-seen order),
    // headed as /summary names it (D.results: [as printed, column]; a printed lr beside the
    // parameter lr is result_lr).
    var RESULTS = [], RCOL = Object.create(null);  // no inherited keys: a result may be __proto__
    (D.results || []).forEach(function (r) { RCOL[r[0]] = r[1]; });
    for (var ri = 0; ri < N; ++ri) (T.rn[ri] || []).forEach(function (n) { if (RESULTS.indexOf(n) < 0) RESULTS.push(n); });
    RESULTS.forEach(function (name) {
      COLS.splice(COLS.length - 1, 0, { h: RCOL[name] || name, d: 4, v: function (i) {
        var k = (T.rn[i] || []).indexOf(name);
        return k < 0 ? null : T.rv[i][k];
      } });
    });
    var sortCol = -1, sortDir = 1;
    function cmpVal(a, b) {  // nulls last, numbers (-inf to inf) before strings
      var na = a === null || a === undefined || (typeof a === 'number' && isNaN(a));
      var nb = b === null || b === undefined || (typeof b === 'number' && isNaN(b));
      if (na || nb) return na === nb ? 0 : (na ? 1 : -1);
      if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
      return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
    }
    function renderTable() {
      var order = [], i;
      for (i = 0; i < N; ++i) order.push(i);
      if (sortCol < 0) {  // default: by metric, best first, trials without a result last (by id)
        order.sort(function (a, b) {
          var ra = rankOf[a], rb = rankOf[b];
          if (ra === undefined || rb === undefined) return ra === rb ? T.id[a] - T.id[b] : (ra === undefined ? 1 : -1);
          return ra - rb;
        });
      } else {
        var c = COLS[sortCol];
        order.sort(function (a, b) {
          var va = c.v(a), vb = c.v(b), na = va === null || va === '' , nb = vb === null || vb === '';
          if (na || nb) return na === nb ? a - b : (na ? 1 : -1);  // missing values last either way
          return sortDir * cmpVal(va, vb) || a - b;
        });
      }
      var lim = D.max_rows > 0 ? Math.min(D.max_rows, N) : N;
      var head = COLS.map(function (c, k) {
        var cls = (c.l ? 'l' : '') + (k === sortCol ? (sortDir > 0 ? ' sorted-asc' : ' sorted-desc') : '');
        return '<th data-col="' + k + '" class="' + cls + '">' + esc(c.h) + '</th>';
      }).join('');
      var rows = new Array(lim);
      for (var r = 0; r < lim; ++r) {
        i = order[r];
        var cells = '';
        for (var k = 0; k < COLS.length; ++k) {
          var c2 = COLS[k];
          cells += '<td class="' + (c2.l ? 'l' : '') + (c2.diag ? ' diag' : '') + '">' +
            (c2.html ? c2.html(i) : esc(fmt(c2.v(i), c2.d || 5))) + '</td>';
        }
        rows[r] = '<tr data-i="' + i + '" class="' + (i === best ? 'best' : '') + (i === sel ? ' sel' : '') + '">' + cells + '</tr>';
      }
      $('trials-table').innerHTML = '<thead><tr>' + head + '</tr></thead><tbody>' + rows.join('') + '</tbody>';
      $('table-note').textContent = lim < N ? 'showing ' + lim + ' of ' + N + ' trials (max_table_rows); sort to see others' :
        N + ' trials; click a header to sort, a row to choose its trial';
    }
    function markRow() {
      var tb = $('trials-table'), old = tb.querySelector('tr.sel');
      if (old) old.classList.remove('sel');
      var r = tb.querySelector('tr[data-i="' + sel + '"]');
      if (r) r.classList.add('sel');
    }

    // ---- wiring ---------------------------------------------------------------------------------------
    function select(i) {
      if (i === sel || i < 0 || i >= N) return;
      sel = i;
      markOverlay(); renderTrial(); markRow(); markParallel();
      var old = $('plot-scatter').querySelector('circle.sel');
      if (old) old.classList.remove('sel');
      var c = $('plot-scatter').querySelector('circle[data-i="' + i + '"]');
      if (c) { c.classList.add('sel'); c.parentNode.appendChild(c); }
    }
    root.addEventListener('click', function (ev) {
      var t = ev.target;
      if (t.closest) {
        var th = t.closest('th[data-col]');
        if (th && root.contains(th)) {
          var k = +th.getAttribute('data-col');
          if (k === sortCol) sortDir = -sortDir; else { sortCol = k; sortDir = COLS[k].metric && MAX ? -1 : 1; }
          renderTable();
          return;
        }
        var e = t.closest('[data-i]');
        if (e && root.contains(e)) { select(+e.getAttribute('data-i')); return; }
        if ($('plot-overlay').contains(t)) overlayClick(ev);
      }
    });

    renderSummary();
    renderOverlay();
    renderTrial();
    setupScatter();
    renderScatter();
    renderParallel();
    renderBestSoFar();
    renderRungs();
    renderTable();
  }

  // ---- a recipe ---------------------------------------------------------------------------------
  // A verdict's colour from its first word ("ok", "too_high: ...", "no_fit"): the words below say
  // a step passed, or neither passed nor failed; any other word is a failure, so a verdict word
  // this list has not heard of shows red rather than a false green.
  var GOOD = ['ok', 'okay', 'fit', 'complete', 'completed', 'pass', 'passed', 'good', 'done', 'found', 'healthy',
    'recommended', 'recommendation'];
  var SOSO = ['running', 'skipped', 'warning', 'warn', 'marginal', 'partial', 'unknown'];
  function verdictClass(v) {
    var w = String(v || '').toLowerCase().match(/[a-z_]+/);
    if (!w) return 'none';
    return GOOD.indexOf(w[0]) >= 0 ? 'good' : SOSO.indexOf(w[0]) >= 0 ? 'soso' : 'bad';
  }
  function statusClass(st) { return st === 'complete' ? 'good' : /^stopped/.test(st) ? 'bad' : 'soso'; }
  function plotId(name) { return String(name).replace(/[^A-Za-z0-9_-]/g, '_'); }

  // A step's 1-D series (the initial-loss step's batch_losses) as points joined by a thin line;
  // with the step's numbers `expected` (ln C) and `loss` (the measured mean) as horizontal lines,
  // and the band the recipe accepts: within a factor 1 + tolerance of expected, either way
  // (analysis/initial_loss.h).
  function renderSeries(el, capEl, name, v, num) {
    if (!has(v)) return empty(el, 'no ' + name + ' recorded');
    var batch = name === 'batch_losses', xs = v.map(function (_, j) { return j + 1; });
    var exp = ok(num.expected) ? num.expected : null, mean = ok(num.loss) ? num.loss : null;
    var tol = exp !== null && ok(num.tolerance) && num.tolerance > 0 ? num.tolerance : null;
    var refs = [exp, mean];
    if (tol !== null) refs.push(exp / (1 + tol), exp * (1 + tol));
    var fr = frame({ w: 1100, h: 280, legend: true, x: [1, Math.max(2, v.length)], y: extent([v, refs]),
      xlabel: batch ? 'batch' : 'index', ylabel: name });
    function hline(y, cls) {
      var p = px(fr.Y.f(y));
      return '<line class="' + cls + '" x1="' + fr.m.l + '" x2="' + (fr.w - fr.m.r) + '" y1="' + p + '" y2="' + p + '"/>';
    }
    var s = '', n = 1, leg = [[name, '#1f6feb']];
    if (tol !== null) {
      var y0 = fr.Y.f(exp * (1 + tol)), y1 = fr.Y.f(exp / (1 + tol));
      s += '<rect class="band" x="' + fr.m.l + '" width="' + (fr.w - fr.m.r - fr.m.l) + '" y="' + px(y0) + '" height="' + px(y1 - y0) + '"/>';
    }
    s += '<path class="thin" d="' + pathD(xs, v, fr.X, fr.Y) + '"/>' + points(xs, v, fr.X, fr.Y, '#1f6feb', 3);
    if (exp !== null) { s += hline(exp, 'expect'); ++n; leg.push([(batch ? 'expected ln C ' : 'expected ') + fmt(exp, 4), '#2b8a3e']); }
    if (mean !== null) { s += hline(mean, 'mean'); ++n; leg.push(['mean ' + fmt(mean, 4), '#e8590c']); }
    fr.s.push(s);
    finish(el, fr, n, legend(fr, leg));
    capEl.textContent = (batch ? 'the loss of each minibatch before the first update' : name) +
      (exp !== null ? '; green: the expected value' + (tol !== null ? ', its band from a factor ' + fmt(1 + tol, 3) + ' below to one above' : '') : '') +
      (mean !== null ? '; orange: the measured mean' : '') +
      (ok(num.rel_error) ? ' (relative error ' + fmt(100 * num.rel_error, 3) + '%)' : '');
  }

  // Selects the text first, so Ctrl+C works where the clipboard API is refused (a file:// page,
  // an unfocused window), then asks the clipboard; a refusal is answered, never thrown or logged.
  function copyText(btn, el) {
    var r = document.createRange(), s = window.getSelection();
    r.selectNodeContents(el);
    s.removeAllRanges();
    s.addRange(r);
    btn.textContent = 'selected: Ctrl+C copies it';
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(el.textContent).then(function () { btn.textContent = 'copied'; }, function () {});
    }
  }

  // The recipe page: its header (status first), an index of the steps, then one section per
  // step: title and verdict, the report paragraph, the step's numbers, its series, the
  // recommended config, and for a step with results the sweep views (sweepView, ids "s<k>-...").
  function renderRecipe(main, R) {
    var stopped = /^stopped at step (\d+)/.exec(R.status || '');
    var idx = '', body = '';
    R.steps.forEach(function (st, k) {
      var pre = 's' + k + '-', tx = st.text || {}, num = st.num || {}, ser = st.ser || {}, S = st.sweep;
      var vc = verdictClass(tx.verdict), here = stopped && String(st.n) === stopped[1];
      var best = '';
      if (S) {
        var b0 = bestOf(S, ranking(S));
        best = b0 >= 0 ? S.metric + ' ' + fmt(S.t.bm[b0], 5) : 'no result';
      }
      idx += '<tr data-step="' + k + '"' + (here ? ' class="stopped"' : '') + '><td class="l">' + esc(st.title) +
        '</td><td class="l"><span class="verdict v-' + vc + '">' + esc(tx.verdict || '\u2013') + '</span></td><td>' +
        (S ? S.t.id.length : '\u2013') + '</td><td class="l">' + esc(best) + '</td></tr>';
      var facts = '';
      Object.keys(num).forEach(function (key) { facts += '<dt>' + esc(key) + '</dt><dd>' + esc(fmt(num[key], 5)) + '</dd>'; });
      Object.keys(tx).forEach(function (key) {
        if (['verdict', 'report', 'title', 'config'].indexOf(key) < 0) facts += '<dt>' + esc(key) + '</dt><dd>' + esc(tx[key]) + '</dd>';
      });
      body += '<section class="step' + (here ? ' stopped' : '') + '" id="' + pre + 'step" data-group="' + esc(st.g) + '">' +
        '<h2>' + esc(st.title) + ' <span class="verdict v-' + vc + '" id="' + pre + 'verdict">' + esc(tx.verdict || 'no verdict') +
        '</span></h2>' + (tx.report ? '<p class="report" id="' + pre + 'report">' + esc(tx.report) + '</p>' : '') +
        (facts ? '<dl class="summary facts">' + facts + '</dl>' : '');
      Object.keys(ser).forEach(function (name) {
        body += '<div class="caption" id="' + pre + 'caption-' + plotId(name) + '"></div><div class="plot" id="' + pre + 'plot-' +
          plotId(name) + '"></div>';
      });
      if (tx.config !== undefined) {
        body += '<div class="configbox"><div class="controls"><button type="button" data-copy="' + pre + 'config">copy</button> ' +
          '<span class="caption">' + (S ? 'this step\'s sweep, as a config file (hypersweep run takes it)'
            : 'the recommended configuration, as a config file') + '</span></div>' +
          '<pre class="config" id="' + pre + 'config">' + esc(tx.config) + '</pre></div>';
      }
      if (S) body += '<div class="sweep" id="' + pre + 'sweep">' + sweepSkeleton(pre, 'h3') + '</div>';
      body += '</section>';
    });
    var sc = statusClass(R.status || '');
    main.innerHTML = '<section id="recipe"><h2>Recipe</h2>' +
      '<div id="recipe-status" class="recipe-status rs-' + sc + '">' + esc(R.status || 'no status recorded') + '</div>' +
      '<dl class="summary"><dt>config hash</dt><dd>' + esc(R.hash) + '</dd><dt>version</dt><dd>hypersweep ' + esc(R.version) +
      '</dd><dt>started</dt><dd>' + esc(R.start) + '</dd><dt>steps</dt><dd>' + R.steps.length + ' recorded</dd></dl>' +
      '<div class="caption">click a step to go to it</div>' +
      '<table id="recipe-steps" class="steps"><thead><tr><th class="l">step</th><th class="l">verdict</th><th>trials</th>' +
      '<th class="l">best</th></tr></thead><tbody>' + idx + '</tbody></table>' +
      '<details><summary>config (hash ' + esc(R.hash) + ')</summary><pre>' + esc(R.config) + '</pre></details></section>' + body;
    R.steps.forEach(function (st, k) {
      var pre = 's' + k + '-', ser = st.ser || {};
      Object.keys(ser).forEach(function (name) {
        renderSeries($(pre + 'plot-' + plotId(name)), $(pre + 'caption-' + plotId(name)), name, ser[name], st.num || {});
      });
      if (st.sweep) sweepView($(pre + 'sweep'), st.sweep, pre, { xlabel: st.xl });
    });
    main.addEventListener('click', function (ev) {
      var t = ev.target;
      if (!t.closest) return;
      var b = t.closest('button[data-copy]');
      if (b) { copyText(b, $(b.getAttribute('data-copy'))); return; }
      var r = t.closest('tr[data-step]');
      if (!r) return;
      var k = r.getAttribute('data-step'), cur = main.querySelectorAll('.current');
      for (var q = 0; q < cur.length; ++q) cur[q].classList.remove('current');
      r.classList.add('current');
      var sec = $('s' + k + '-step');
      sec.classList.add('current');
      sec.scrollIntoView();
    });
  }

  var main = $('hs-main');
  if (DATA.kind === 'recipe') {
    renderRecipe(main, DATA);
  } else {
    main.innerHTML = sweepSkeleton('', 'h2');
    sweepView(main, DATA, '', {});
  }
  void document.body.offsetHeight;  // force style and layout, so the time includes them
  var t1 = performance.now();
  document.body.setAttribute('data-render-ms', (t1 - t0).toFixed(1));
  document.body.setAttribute('data-page-ms', t1.toFixed(1));  // since navigation start
  document.body.setAttribute('data-rendered', '1');
})();
