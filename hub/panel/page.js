// Open alarms by id; the server sends a snapshot on connect, then one message per change.
const alarms = new Map();
const list = document.getElementById('alarms');
const link = document.getElementById('link');
const who = document.getElementById('who');
const signInForm = document.getElementById('sign-in');
const signOutButton = document.getElementById('sign-out');
const message = document.getElementById('message');
// Who this browser is: a signed-in staff member may act; a paired display only views.
let session = { staff: null, display: null };
let source = null;

function say(text) {
  message.textContent = text ?? '';
  message.hidden = !text;
}

function showSession() {
  const staff = session.staff;
  who.hidden = !staff;
  who.textContent = staff ? `Signed in: ${staff.name} (${staff.id})` : '';
  who.dataset.staffId = staff?.id ?? '';
  signOutButton.hidden = !staff;
  signInForm.hidden = Boolean(staff);
  observePanel.hidden = !staff; // entries are recorded as the signed-in staff member
  document.getElementById('sign-in-hint').textContent = session.display
    ? `Display ${session.display.id}. Sign in to acknowledge and resolve.`
    : 'Sign in to see alarms and to acknowledge and resolve.';
  render();
}

async function loadSession() {
  const res = await fetch('api/session');
  session = res.ok ? await res.json() : { staff: null, display: null };
  showSession();
  if (session.staff || session.display) connect();
  else {
    source?.close();
    source = null;
    link.textContent = 'signed out';
    link.className = 'down';
  }
  // A shift's sign-in ends on its own: look again when it expires.
  if (session.staff) setTimeout(loadSession, Math.max(1000, Date.parse(session.staff.expiresAt) - Date.now() + 500));
}

signInForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(signInForm);
  const res = await fetch('api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId: form.get('staffId'), pin: form.get('pin') }),
  });
  signInForm.elements.pin.value = '';
  if (!res.ok) {
    const wait = res.headers.get('retry-after');
    say(res.status === 429 ? `Too many wrong PINs. Try again in ${wait} s.` : 'Unknown staff id or wrong PIN.');
    return;
  }
  say('');
  await loadSession();
});

signOutButton.addEventListener('click', async () => {
  await fetch('api/session', { method: 'DELETE' });
  await loadSession();
});

// Staff observations for NEWS2 (docs/panel.md#observations): consciousness, air or oxygen, and vital
// signs measured by hand, posted to the hub as the signed-in member of staff. Empty fields are left out.
const observePanel = document.getElementById('observe');
const observationForm = document.getElementById('observation');
const observationResult = document.getElementById('observation-result');
const VITAL_FIELDS = ['respiratory-rate', 'spo2', 'systolic-bp', 'heart-rate', 'body-temperature'];

observationForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(observationForm);
  const body = {};
  if (form.get('acvpu')) body.acvpu = form.get('acvpu');
  if (form.get('o2')) body.o2 = form.get('o2') === 'true';
  const vitals = {};
  for (const field of VITAL_FIELDS) if (form.get(field) !== '') vitals[field] = Number(form.get(field));
  if (Object.keys(vitals).length > 0) body.vitals = vitals;
  const residentId = String(form.get('residentId')).trim();
  if (Object.keys(body).length === 0) return showResult('Enter at least one observation.', true);
  const res = await fetch(`api/residents/${encodeURIComponent(residentId)}/observations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).catch(() => null);
  const answer = res ? await res.json().catch(() => ({})) : {};
  if (!res?.ok) {
    if (res?.status === 401) await loadSession();
    return showResult(res ? `Not recorded: ${answer.message ?? res.status}` : 'Not recorded: the hub did not answer.', true);
  }
  const entered = [
    ...(body.acvpu ? [`ACVPU ${body.acvpu}`] : []),
    ...(body.o2 !== undefined ? [body.o2 ? 'on oxygen' : 'on air'] : []),
    ...Object.entries(vitals).map(([k, v]) => `${k} ${v}`),
  ];
  showResult(`Recorded for ${residentId} by ${answer.by}: ${entered.join(', ')}`, false);
  // The resident stays for the next entry; the values go.
  for (const field of ['acvpu', 'o2', ...VITAL_FIELDS]) observationForm.elements[field].value = '';
});

function showResult(text, failed) {
  observationResult.textContent = text;
  observationResult.className = failed ? 'result error' : 'result';
  observationResult.hidden = false;
}

function render() {
  const items = [...alarms.values()].filter((a) => a.state !== 'resolved');
  const order = { high: 0, medium: 1, low: 2, technical: 3 };
  items.sort((a, b) => order[a.priority] - order[b.priority] || a.raisedAt.localeCompare(b.raisedAt));
  list.replaceChildren(...(items.length ? items.map(card) : [empty()]));
}

function empty() {
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = 'No open alarms';
  return p;
}

function card(a) {
  const el = document.createElement('article');
  el.className = `alarm ${a.priority} ${a.state}`;
  el.dataset.alarmId = a.id;
  el.dataset.state = a.state;
  const room = document.createElement('div');
  room.className = 'room';
  // Resident-scoped alarms (NEWS2, vital signs entered by hand) have no room: name the resident.
  room.textContent = `${a.roomName ?? (a.residentId ? `resident ${a.residentId}` : null) ?? a.deviceId ?? '?'} — ${a.type}`;
  const meta = document.createElement('div');
  meta.className = 'meta';
  const state = document.createElement('span');
  state.className = 'state';
  state.textContent = a.state;
  meta.append(state, ` · ${a.priority} · ${new Date(a.raisedAt).toLocaleTimeString()} · ${a.reason}`);
  // Unanswered long enough to be escalated (docs/alarms.md): say who has been told.
  if (a.escalations > 0) meta.append(` · escalated ${a.escalations}× (${a.audience})`);
  const actions = document.createElement('div');
  actions.className = 'actions';
  // Only a signed-in staff member gets the buttons; a display views.
  if (session.staff) {
    if (a.state === 'active') actions.append(button('Acknowledge', 'ack', () => act(a.id, 'acknowledge')));
    actions.append(button('Resolve', 'resolve', () => act(a.id, 'resolve')));
  }
  el.append(room, actions, meta);
  return el;
}

function button(label, cls, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

async function act(id, action) {
  const res = await fetch(`api/alarms/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
  if (res.status === 401) await loadSession();
  say(res.ok ? '' : ((await res.json().catch(() => ({}))).message ?? `HTTP ${res.status}`));
}

function connect() {
  if (source) return;
  source = new EventSource('api/stream');
  source.addEventListener('open', () => { link.textContent = 'live'; link.className = 'up'; });
  source.addEventListener('error', () => {
    link.textContent = 'reconnecting…';
    link.className = 'down';
    // Refused (signed out, unpaired): EventSource gives up; ask again who we are.
    if (source?.readyState === EventSource.CLOSED) {
      source = null;
      setTimeout(loadSession, 3000);
    }
  });
  source.addEventListener('snapshot', (e) => {
    alarms.clear();
    for (const a of JSON.parse(e.data)) alarms.set(a.id, a);
    render();
  });
  source.addEventListener('alarm', (e) => {
    const a = JSON.parse(e.data);
    if (a.state === 'resolved') alarms.delete(a.id); else alarms.set(a.id, a);
    render();
  });
}

// Distinct tones per priority that repeat until every alarm is acknowledged (IEC 60601-1-8 practice).
let audio = null;
document.getElementById('sound').addEventListener('click', (e) => {
  audio ??= new AudioContext();
  e.target.textContent = 'Sound on';
});
// A technical alarm (a silent device, a low battery) sounds like a low one: someone must look, not run.
const TONES = { high: [880, 660, 880], medium: [660, 520], low: [440], technical: [440] };
setInterval(() => {
  if (!audio) return;
  const active = [...alarms.values()].filter((a) => a.state === 'active');
  if (!active.length) return;
  const top = active.some((a) => a.priority === 'high') ? 'high' : active.some((a) => a.priority === 'medium') ? 'medium' : 'low';
  TONES[top].forEach((hz, i) => {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    gain.gain.value = 0.15;
    osc.frequency.value = hz;
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + i * 0.25);
    osc.stop(audio.currentTime + i * 0.25 + 0.2);
  });
}, 2000);

// A hub whose relay credential is revoked keeps everything locally; the staff should know the
// records are not reaching the back office (docs/provisioning.md#revocation).
const relayNotice = document.getElementById('relay-notice');
async function checkRelay() {
  if (!session.staff && !session.display) return;
  const res = await fetch('api/relay').catch(() => null);
  if (res?.ok) relayNotice.hidden = (await res.json()).state !== 'revoked';
}
setInterval(checkRelay, 30_000);

loadSession().then(checkRelay);
