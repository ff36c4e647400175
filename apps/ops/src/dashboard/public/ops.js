/*
 * The ops dashboard: plain JavaScript, no build step. It reads the ops API with the bearer token
 * the operator gave once (kept in localStorage, or taken from ?token= and removed from the address)
 * and refreshes itself every 10 seconds. Everything that comes from the API is written with
 * textContent, never as HTML; the only HTML inserted is the SVG Mermaid draws (strict mode).
 */
(function () {
  'use strict';

  const TOKEN_KEY = 'idcard.ops.token';
  const REFRESH_MS = 10_000;
  const TZ = 'Asia/Shanghai';
  const PROVINCES = [
    ['11', '北京市'],
    ['12', '天津市'],
    ['13', '河北省'],
    ['14', '山西省'],
    ['15', '内蒙古自治区'],
    ['21', '辽宁省'],
    ['22', '吉林省'],
    ['23', '黑龙江省'],
    ['31', '上海市'],
    ['32', '江苏省'],
    ['33', '浙江省'],
    ['34', '安徽省'],
    ['35', '福建省'],
    ['36', '江西省'],
    ['37', '山东省'],
    ['41', '河南省'],
    ['42', '湖北省'],
    ['43', '湖南省'],
    ['44', '广东省'],
    ['45', '广西壮族自治区'],
    ['46', '海南省'],
    ['50', '重庆市'],
    ['51', '四川省'],
    ['52', '贵州省'],
    ['53', '云南省'],
    ['54', '西藏自治区'],
    ['61', '陕西省'],
    ['62', '甘肃省'],
    ['63', '青海省'],
    ['64', '宁夏回族自治区'],
    ['65', '新疆维吾尔自治区'],
  ];
  const COLORS = {
    blue: '#0b5cad',
    blueLight: 'rgba(11, 92, 173, 0.35)',
    green: '#1a7f37',
    greenLight: 'rgba(26, 127, 55, 0.45)',
    orange: '#c2410c',
    grey: '#8c959f',
  };

  const $ = (sel) => document.querySelector(sel);
  const state = {
    token: null,
    charts: {},
    selected: new Set(),
    shownLetters: [],
    refreshing: false,
    /** false for an auditor: the page hides the actions the API would refuse anyway. */
    canAct: true,
    timer: null,
    range: { from: '', to: '' },
    workflowDrawn: false,
    /** Whether this node serves the national figures: unknown (null) until asked. */
    national: null,
  };

  // ── token ────────────────────────────────────────────────────────────────────────────────

  function takeTokenFromUrl() {
    const params = new URLSearchParams(location.search);
    const token = params.get('token');
    if (!token) return;
    localStorage.setItem(TOKEN_KEY, token.trim());
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
  }

  function showLogin(message) {
    state.token = null;
    stopTimer();
    $('#dashboard').hidden = true;
    $('#login').hidden = false;
    $('#login-error').textContent = message || '';
    $('#token').focus();
  }

  function showDashboard() {
    $('#login').hidden = true;
    $('#dashboard').hidden = false;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  async function api(path, options = {}) {
    const res = await fetch(path, {
      ...options,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${state.token}`,
        ...(options.body ? { 'content-type': 'application/json' } : {}),
      },
    });
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { message: text.slice(0, 200) };
    }
    if (res.status === 401) {
      localStorage.removeItem(TOKEN_KEY);
      showLogin(`The token was refused: ${(body && body.message) || 'unauthorized'}`);
    }
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  }

  // ── formatting ───────────────────────────────────────────────────────────────────────────

  const nf = new Intl.NumberFormat('zh-CN');
  const num = (n) => (n === null || n === undefined ? '–' : nf.format(n));

  function dateTime(iso) {
    if (!iso) return '–';
    return new Date(iso).toLocaleString('zh-CN', { timeZone: TZ, hour12: false });
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    const s = Math.abs(seconds);
    if (s < 90) return `${Math.round(s)} s`;
    if (s < 5400) return `${Math.round(s / 60)} min`;
    if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
    return `${(s / 86400).toFixed(1)} d`;
  }

  function cell(tr, text, className) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (className) td.className = className;
    tr.appendChild(td);
    return td;
  }

  function tag(parent, text, bad) {
    const span = document.createElement('span');
    span.className = bad ? 'tag bad' : 'tag';
    span.textContent = text;
    parent.appendChild(span);
  }

  function fillTable(selector, rows, render, emptyText) {
    const tbody = $(`${selector} tbody`);
    tbody.replaceChildren();
    if (!rows.length) {
      const tr = document.createElement('tr');
      const td = cell(tr, emptyText || 'none', 'muted');
      td.colSpan = $(`${selector} thead tr`).children.length;
      tbody.appendChild(tr);
      return;
    }
    for (const row of rows) {
      const tr = document.createElement('tr');
      render(tr, row);
      tbody.appendChild(tr);
    }
  }

  const shortId = (id) => (id ? id.slice(0, 8) : '–');
  const route = (c) => `${c.residenceProvinceName} → ${c.hukouProvinceName}`;

  function setFigure(name, value) {
    const el = document.querySelector(`[data-figure="${name}"]`);
    if (el) el.textContent = num(value);
  }

  function showResult(selector, ok, text) {
    const el = $(selector);
    el.className = `result ${ok ? 'ok' : 'bad'}`;
    el.textContent = text;
  }

  // ── charts ───────────────────────────────────────────────────────────────────────────────

  function chart(id, config) {
    const existing = state.charts[id];
    if (existing) {
      existing.data.labels = config.data.labels;
      config.data.datasets.forEach((d, i) => {
        if (existing.data.datasets[i]) existing.data.datasets[i].data = d.data;
      });
      existing.update('none');
      return existing;
    }
    if (!window.Chart) return null;
    const created = new window.Chart(document.getElementById(id), {
      ...config,
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        plugins: { legend: { position: 'bottom' } },
        ...config.options,
      },
    });
    state.charts[id] = created;
    return created;
  }

  function drawFunnel(statuses) {
    chart('funnel-chart', {
      type: 'bar',
      data: {
        labels: statuses.funnel.map((f) => `${f.zh} ${f.status}`),
        datasets: [
          {
            label: 'cases that reached the step',
            data: statuses.funnel.map((f) => f.reached),
            backgroundColor: COLORS.blue,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  function drawThroughput(daily) {
    chart('throughput-chart', {
      type: 'bar',
      data: {
        labels: daily.days.map((d) => d.date),
        datasets: [
          {
            type: 'bar',
            label: 'taken in',
            data: daily.days.map((d) => d.intake),
            backgroundColor: COLORS.blueLight,
            yAxisID: 'y',
          },
          {
            type: 'bar',
            label: 'delivered',
            data: daily.days.map((d) => d.delivered),
            backgroundColor: COLORS.greenLight,
            yAxisID: 'y',
          },
          {
            type: 'line',
            label: 'cumulative (累计)',
            data: daily.days.map((d) => d.cumulative),
            borderColor: COLORS.orange,
            backgroundColor: COLORS.orange,
            pointRadius: 0,
            yAxisID: 'y1',
          },
        ],
      },
      options: {
        scales: {
          y: {
            beginAtZero: true,
            position: 'left',
            ticks: { precision: 0 },
            title: { display: true, text: 'per day' },
          },
          y1: {
            beginAtZero: true,
            position: 'right',
            grid: { drawOnChartArea: false },
            ticks: { precision: 0 },
            title: { display: true, text: 'cumulative' },
          },
        },
      },
    });
  }

  function drawRegions(regions) {
    const other = (r) => Math.max(0, r.total - r.open - r.delivered);
    chart('regions-chart', {
      type: 'bar',
      data: {
        labels: regions.regions.map((r) => r.name),
        datasets: [
          {
            label: 'delivered',
            data: regions.regions.map((r) => r.delivered),
            backgroundColor: COLORS.green,
          },
          { label: 'open', data: regions.regions.map((r) => r.open), backgroundColor: COLORS.blue },
          {
            label: 'refused or cancelled',
            data: regions.regions.map(other),
            backgroundColor: COLORS.grey,
          },
        ],
      },
      options: {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  function drawStages(stageTimes) {
    const hours = (s) => (s === null ? null : Math.round((s / 3600) * 10) / 10);
    chart('stages-chart', {
      type: 'bar',
      data: {
        labels: stageTimes.stages.map((s) => `${s.zh} ${s.status}`),
        datasets: [
          {
            label: 'median (h)',
            data: stageTimes.stages.map((s) => hours(s.medianSeconds)),
            backgroundColor: COLORS.blue,
          },
          {
            label: 'p90 (h)',
            data: stageTimes.stages.map((s) => hours(s.p90Seconds)),
            backgroundColor: COLORS.orange,
          },
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'hours' } } } },
    });
  }

  // ── sections ─────────────────────────────────────────────────────────────────────────────

  function renderOverview(o) {
    const delivered = o.statuses.statuses.find((s) => s.status === 'DELIVERED');
    const breach = Object.fromEntries(o.breaches.deadlines.map((d) => [d.deadline, d]));
    $('#cumulative-label').textContent = `截至 ${o.daily.to} 累计办理`;
    setFigure('cumulative-total', o.daily.cumulativeTotal);
    setFigure('open', o.statuses.open);
    setFigure('delivered', delivered ? delivered.count : 0);
    setFigure('breach-review', breach.review.count);
    setFigure('breach-promise', breach.promise.count);
    setFigure('breach-statutory', breach.statutory.count);
    if (!state.range.from) {
      $('#from').value = o.daily.from;
      $('#to').value = o.daily.to;
    }

    drawFunnel(o.statuses);
    drawThroughput(o.daily);
    drawRegions(o.regions);
    drawStages(o.stageTimes);

    fillTable('#services-table', o.statuses.services, (tr, s) => {
      cell(tr, s.service === 'newborn' ? '新生儿落户 newborn' : '首次申领身份证 idcard');
      cell(tr, num(s.total), 'num');
      cell(tr, num(s.open), 'num');
      cell(tr, num(s.delivered), 'num');
      cell(tr, num(s.refused), 'num');
      cell(tr, num(s.cancelled), 'num');
    });
    fillTable('#status-table', o.statuses.statuses, (tr, s) => {
      cell(tr, s.status, 'mono');
      cell(tr, s.zh);
      cell(tr, num(s.count), 'num');
      cell(tr, num(s.reached), 'num');
    });
    fillTable(
      '#pairs-table',
      o.pairs.pairs,
      (tr, p) => {
        cell(tr, `${p.residenceProvinceName} (${p.residenceProvince})`);
        cell(tr, `${p.hukouProvinceName} (${p.hukouProvince})`);
        cell(tr, p.regionName);
        cell(tr, num(p.total), 'num');
        cell(tr, num(p.open), 'num');
        cell(tr, num(p.delivered), 'num');
        cell(tr, num(p.refused), 'num');
        cell(tr, num(p.cancelled), 'num');
      },
      'no cases',
    );
    fillTable('#breaches-table', o.breaches.deadlines, (tr, d) => {
      tr.dataset.deadline = d.deadline;
      cell(tr, d.title);
      cell(tr, num(d.count), 'num');
      cell(tr, num(d.open), 'num');
      cell(tr, num(d.flagged), 'num');
    });
    const listed = o.breaches.deadlines.flatMap((d) => d.cases.map((c) => ({ d, c })));
    const dueOf = { review: 'reviewDueAt', promise: 'promiseDueAt', statutory: 'statutoryDueAt' };
    const asOf = new Date(o.asOf).getTime();
    fillTable(
      '#breach-cases',
      listed,
      (tr, { d, c }) => {
        cell(tr, d.deadline);
        cell(tr, shortId(c.caseId), 'mono').title = c.caseId;
        cell(tr, c.maskedIdNumber, 'mono');
        cell(tr, `${c.statusZh || ''} ${c.status}`);
        cell(tr, route(c));
        cell(tr, dateTime(c[dueOf[d.deadline]]));
        cell(tr, duration((asOf - new Date(c[dueOf[d.deadline]]).getTime()) / 1000));
      },
      'no open case past a deadline',
    );
  }

  function renderStuck(page) {
    setFigure('stuck', page.total);
    fillTable(
      '#stuck-table',
      page.items,
      (tr, c) => {
        tr.dataset.caseId = c.caseId;
        cell(tr, shortId(c.caseId), 'mono').title = c.caseId;
        cell(tr, c.maskedIdNumber, 'mono');
        cell(tr, `${c.statusZh || ''} ${c.status}`);
        cell(tr, route(c));
        const why = cell(tr, '');
        for (const r of c.reasons) tag(why, r, r !== 'COMMAND_UNANSWERED');
        cell(tr, c.pendingCommand || '–', 'mono');
        cell(tr, dateTime(c.lastSentAt));
        cell(tr, num(c.resendCount), 'num');
        cell(tr, dateTime(c.stuckSince));
        const actions = cell(tr, '');
        if (c.pendingCommand && state.canAct) {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = 'Re-send';
          button.title = `POST /api/v1/ops/cases/${c.caseId}/resend`;
          button.addEventListener('click', () => resend(c.caseId, button));
          actions.appendChild(button);
        }
      },
      'no stuck case',
    );
  }

  async function resend(caseId, button) {
    button.disabled = true;
    try {
      const body = await api(`/api/v1/ops/cases/${encodeURIComponent(caseId)}/resend`, {
        method: 'POST',
      });
      const what = body && (body.command || body.pendingCommand || body.message);
      showResult(
        '#resend-result',
        true,
        `Case ${shortId(caseId)}: re-sent${what ? ` (${what})` : ''}.`,
      );
      await refresh();
    } catch (error) {
      showResult(
        '#resend-result',
        false,
        `Case ${shortId(caseId)}: not re-sent — ${error.message}`,
      );
      button.disabled = false;
    }
  }

  function letterKey(l) {
    return `${l.schema}/${l.id}`;
  }

  function renderDeadLetters(page) {
    const unreplayed = page.bySchema.reduce((n, s) => n + s.unreplayed, 0);
    setFigure('dead-letters', unreplayed);
    $('#dl-summary').textContent =
      `${num(page.total)} matching` +
      page.bySchema
        .map((s) => ` · ${s.schema}: ${s.available ? num(s.matching) : 'not deployed'}`)
        .join('') +
      (page.total > page.items.length ? ` · showing the newest ${page.items.length}` : '');
    state.shownLetters = page.items;
    const shown = new Set(page.items.map(letterKey));
    for (const key of [...state.selected]) if (!shown.has(key)) state.selected.delete(key);
    fillTable(
      '#dead-letters-table',
      page.items,
      (tr, l) => {
        tr.dataset.key = letterKey(l);
        const pick = cell(tr, '');
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.checked = state.selected.has(letterKey(l));
        box.setAttribute('aria-label', `select dead letter ${letterKey(l)}`);
        box.addEventListener('change', () => {
          if (box.checked) state.selected.add(letterKey(l));
          else state.selected.delete(letterKey(l));
          updateSelection();
        });
        pick.appendChild(box);
        cell(tr, dateTime(l.createdAt));
        cell(tr, l.schema);
        const reason = cell(tr, '');
        tag(reason, l.reason, true);
        cell(tr, l.type || '–', 'mono');
        cell(tr, shortId(l.caseId), 'mono').title = l.caseId || '';
        const e = l.envelope;
        cell(
          tr,
          e.sender && e.recipient
            ? `${e.sender.service}.${e.sender.province} → ${e.recipient.service}.${e.recipient.province}`
            : l.queue,
          'mono',
        );
        cell(tr, l.error, 'error-text').title = e.payload
          ? `payload fields: ${e.payload.fields.join(', ')}`
          : '';
        cell(tr, num(l.attempts), 'num');
        cell(tr, l.replayCount ? `${l.replayCount}× · ${dateTime(l.replayedAt)}` : 'no');
        const actions = cell(tr, '');
        if (state.canAct) {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = 'Replay';
          button.className = 'replay';
          button.addEventListener('click', () => replay([{ schema: l.schema, id: l.id }]));
          actions.appendChild(button);
        }
      },
      'no dead letter',
    );
    updateSelection();
  }

  function updateSelection() {
    const n = state.selected.size;
    const button = $('#dl-replay-selected');
    button.disabled = n === 0;
    button.textContent = n ? `Replay selected (${n})` : 'Replay selected';
    const all = $('#dl-all');
    all.checked = n > 0 && n === state.shownLetters.length;
    all.indeterminate = n > 0 && n < state.shownLetters.length;
  }

  async function replay(items) {
    try {
      const body = await api('/api/v1/ops/dead-letters/replay', {
        method: 'POST',
        body: JSON.stringify({ items }),
      });
      const failures = body.results.filter((r) => !r.ok);
      const text =
        `Replayed ${body.replayed} of ${body.results.length}` +
        (body.results.some((r) => r.ok && r.queue)
          ? ` (to ${[...new Set(body.results.filter((r) => r.ok).map((r) => r.queue))].join(', ')})`
          : '') +
        (failures.length
          ? `; not replayed: ${failures.map((f) => `${f.schema}/${f.id}: ${f.error}`).join('; ')}`
          : '.');
      showResult('#replay-result', failures.length === 0, text);
      for (const item of items) state.selected.delete(`${item.schema}/${item.id}`);
      await refresh();
    } catch (error) {
      showResult('#replay-result', false, `Replay refused: ${error.message}`);
    }
  }

  function renderQueues(q) {
    $('#queue-summary').textContent =
      `${q.queues.length} of ${q.served} served queues exist in Redis (prefix ${q.prefix}) · waiting ${num(q.totals.waiting)} · active ${num(q.totals.active)} · delayed ${num(q.totals.delayed)} · failed ${num(q.totals.failed)}`;
    fillTable(
      '#queues-table',
      q.queues,
      (tr, r) => {
        cell(tr, r.name, 'mono');
        cell(tr, `${r.provinceName} (${r.province})`);
        cell(tr, num(r.waiting), 'num');
        cell(tr, num(r.active), 'num');
        cell(tr, num(r.delayed), 'num');
        cell(tr, num(r.failed), 'num');
        cell(tr, r.oldestWaitingAgeMs === null ? '–' : duration(r.oldestWaitingAgeMs / 1000));
      },
      'no queue in Redis yet',
    );
  }

  /** The national panel: on the national operations node only (elsewhere the route is 404). */
  function renderNational(n) {
    const panel = $('#national');
    if (!n) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    setFigure('national-total', n.total);
    setFigure('national-open', n.open);
    $('[data-figure="national-reporting"]').textContent =
      `${n.provinces.length} / ${n.provinces.length + n.missing.length}`;
    setFigure('national-stale', n.provinces.filter((p) => p.stale).length);
    $('#national-summary').textContent = [
      n.byKind.map((k) => `${k.kind} ${num(k.cases)} (open ${num(k.open)})`).join(' · '),
      `stale after ${duration(n.staleAfterSeconds)}`,
      n.missing.length ? `not heard from: ${n.missing.join(', ')}` : 'every province reporting',
    ]
      .filter(Boolean)
      .join(' — ');
    fillTable(
      '#national-table',
      n.provinces,
      (tr, p) => {
        cell(tr, `${p.name} (${p.province})`);
        cell(tr, num(p.cases), 'num');
        cell(tr, `#${p.sequence}`, 'num');
        cell(tr, dateTime(p.asOf));
        cell(tr, duration(p.ageSeconds));
        tag(cell(tr, ''), p.stale ? 'stale' : 'fresh', p.stale);
      },
      'no province has published a snapshot yet',
    );
  }

  /** null when this node is not the national operations node (asked once: 404). */
  async function national() {
    if (state.national === false) return null;
    try {
      const answer = await api('/api/v1/ops/national');
      state.national = true;
      return answer;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        state.national = false;
        return null;
      }
      throw error;
    }
  }

  async function drawWorkflow() {
    if (state.workflowDrawn) return;
    const wf = await api('/api/v1/ops/workflow');
    $('#workflow-text').textContent = wf.mermaid;
    const target = $('#workflow-diagram');
    if (!window.mermaid) {
      target.textContent = 'Mermaid is not available: the diagram text is below.';
      state.workflowDrawn = true;
      return;
    }
    try {
      window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
      const { svg } = await window.mermaid.render('case-state-machine', wf.mermaid);
      target.innerHTML = svg; // Mermaid's own sanitised SVG of our own API's text
    } catch (error) {
      target.textContent = `The diagram could not be drawn (${error.message}); its text is below.`;
    }
    state.workflowDrawn = true;
  }

  // ── refresh ──────────────────────────────────────────────────────────────────────────────

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params))
      if (v !== '' && v !== undefined && v !== null) q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
  }

  async function refresh() {
    if (!state.token || state.refreshing) return;
    state.refreshing = true;
    const province = $('#province').value;
    const letters = {
      schema: $('#dl-schema').value,
      reason: $('#dl-reason').value,
      type: $('#dl-type').value.trim(),
      replayed: $('#dl-replayed').value,
      limit: 100,
    };
    try {
      const results = await Promise.allSettled([
        api(
          `/api/v1/ops/stats/overview${query({ province, from: state.range.from, to: state.range.to })}`,
        ),
        api(`/api/v1/ops/cases/stuck${query({ province })}`),
        api(`/api/v1/ops/dead-letters${query(letters)}`),
        api(`/api/v1/ops/queues${query({ province })}`),
        drawWorkflow(),
        national(),
      ]);
      if (!state.token) return; // the token was refused meanwhile
      const renderers = [
        renderOverview,
        renderStuck,
        renderDeadLetters,
        renderQueues,
        () => undefined,
        renderNational,
      ];
      const problems = [];
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') renderers[i](r.value);
        else problems.push(r.reason && r.reason.message ? r.reason.message : String(r.reason));
      });
      const error = $('#page-error');
      error.hidden = problems.length === 0;
      error.textContent = problems.length
        ? `Some figures could not be read: ${[...new Set(problems)].join('; ')}`
        : '';
      $('#last-refresh').textContent =
        `Last refreshed ${new Date().toLocaleTimeString('zh-CN', { timeZone: TZ, hour12: false })}`;
      $('#last-refresh').dataset.at = new Date().toISOString();
    } finally {
      state.refreshing = false;
    }
  }

  function startTimer() {
    stopTimer();
    if ($('#auto').checked) state.timer = setInterval(() => void refresh(), REFRESH_MS);
  }

  function stopTimer() {
    if (state.timer) clearInterval(state.timer);
    state.timer = null;
  }

  /** The role claimed by the token, only to hide buttons; the API checks the signature and role. */
  function roleOf(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(part)).role || null;
    } catch {
      return null;
    }
  }

  function start(token) {
    state.token = token;
    state.canAct = roleOf(token) !== 'auditor';
    $('#dl-replay-selected').hidden = !state.canAct;
    showDashboard();
    void refresh();
    startTimer();
  }

  // ── wiring ───────────────────────────────────────────────────────────────────────────────

  function init() {
    const select = $('#province');
    for (const [code, name] of PROVINCES) {
      const option = document.createElement('option');
      option.value = code;
      option.textContent = `${code} ${name}`;
      select.appendChild(option);
    }
    select.addEventListener('change', () => void refresh());
    $('#refresh').addEventListener('click', () => void refresh());
    $('#auto').addEventListener('change', startTimer);
    $('#forget').addEventListener('click', () => {
      localStorage.removeItem(TOKEN_KEY);
      void fetch('/api/v1/ops/queue-board/session', {
        method: 'DELETE',
        headers: { authorization: `Bearer ${state.token}` },
      }).catch(() => undefined);
      showLogin('Token forgotten.');
    });
    $('#login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('#token').value.trim();
      if (!token) return;
      localStorage.setItem(TOKEN_KEY, token);
      $('#token').value = '';
      start(token);
    });
    $('#range-form').addEventListener('submit', (event) => {
      event.preventDefault();
      state.range = { from: $('#from').value, to: $('#to').value };
      void refresh();
    });
    $('#range-reset').addEventListener('click', () => {
      state.range = { from: '', to: '' };
      void refresh();
    });
    $('#dl-filter').addEventListener('submit', (event) => {
      event.preventDefault();
      state.selected.clear();
      void refresh();
    });
    $('#dl-replay-selected').addEventListener('click', () => {
      const items = [...state.selected].map((key) => {
        const [schema, id] = key.split('/');
        return { schema, id };
      });
      if (items.length) void replay(items);
    });
    $('#dl-all').addEventListener('change', (event) => {
      state.selected.clear();
      if (event.target.checked)
        for (const l of state.shownLetters) state.selected.add(letterKey(l));
      document
        .querySelectorAll('#dead-letters-table tbody input[type="checkbox"]')
        .forEach((box) => (box.checked = event.target.checked));
      updateSelection();
    });
    $('#board-link').addEventListener('click', async (event) => {
      event.preventDefault();
      try {
        await api('/api/v1/ops/queue-board/session', { method: 'POST' });
        window.open('/ops/queues', '_blank', 'noopener');
      } catch (error) {
        showResult('#replay-result', false, `Queue board: ${error.message}`);
      }
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) void refresh();
    });

    takeTokenFromUrl();
    const token = localStorage.getItem(TOKEN_KEY);
    if (token) start(token);
    else showLogin('');
  }

  init();
})();
