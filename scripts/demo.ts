/**
 * The whole system with a demo: starts every service in this process (as `npm start` does), seeds
 * a demo population registry, and pushes applications through every path over the real HTTP API
 * and queues — window pickup, a minor with a guardian, postal delivery, a returned parcel collected
 * by a proxy, a refusal, a supplement loop and a withdrawal — and newborn hukou registrations (新生儿落户)
 * on every path of the second workflow (window, post, refusal, supplement loop, withdrawal) —
 * showing progress as the cases move, then prints each case's timeline and checks every case ended
 * where it should.
 *
 *   npm run demo                    # exits 0 when every case ended as expected, 1 otherwise
 *   npm run demo -- --keep-running  # then keeps the system up (API, /api/docs, /metrics)
 */
import { randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ageOn, lookupDivision, todayInChina } from '@app/domain';
import { aPortraitPng } from '@app/fixtures';
import { jwtKeyFrom, loadConfig, signJwt, startNode, type CallerRole } from '@app/platform';
import { ALL_FEATURES } from '../apps/all-in-one/src/features';
import { generateRegistry, importRegistryRecords, RegistryRecord } from '../apps/verification/src';

const KEEP_RUNNING = process.argv.includes('--keep-running');
const TIMEOUT_MS = 120_000;

type Expected = 'DELIVERED' | 'REFUSED' | 'CANCELLED';
interface Scenario {
  label: string;
  point: string;
  hukouProvince: string;
  /** Age band of the applicant on the intake date. */
  age: [number, number];
  delivery: 'WINDOW' | 'POST';
  expected: Expected;
  /** What the demo does along the way. */
  plan: 'collect' | 'post' | 'return-then-proxy' | 'refuse' | 'supplement' | 'withdraw';
}

const SCENARIOS: Scenario[] = [
  {
    label: 'window',
    point: '310101-01',
    hukouProvince: '33',
    age: [18, 40],
    delivery: 'WINDOW',
    expected: 'DELIVERED',
    plan: 'collect',
  },
  {
    label: 'minor+guardian',
    point: '310104-01',
    hukouProvince: '34',
    age: [6, 15],
    delivery: 'WINDOW',
    expected: 'DELIVERED',
    plan: 'collect',
  },
  {
    label: 'post',
    point: '310101-01',
    hukouProvince: '32',
    age: [18, 40],
    delivery: 'POST',
    expected: 'DELIVERED',
    plan: 'post',
  },
  {
    label: 'post-returned',
    point: '440106-01',
    hukouProvince: '43',
    age: [18, 40],
    delivery: 'POST',
    expected: 'DELIVERED',
    plan: 'return-then-proxy',
  },
  {
    label: 'refused',
    point: '310101-01',
    hukouProvince: '36',
    age: [18, 40],
    delivery: 'WINDOW',
    expected: 'REFUSED',
    plan: 'refuse',
  },
  {
    label: 'supplement',
    point: '510104-01',
    hukouProvince: '50',
    age: [18, 40],
    delivery: 'WINDOW',
    expected: 'DELIVERED',
    plan: 'supplement',
  },
  {
    label: 'cancelled',
    point: '310101-01',
    hukouProvince: '51',
    age: [18, 40],
    delivery: 'WINDOW',
    expected: 'CANCELLED',
    plan: 'withdraw',
  },
];

/** Newborn registrations: a parent with a Shanghai hukou applies in 嘉兴 (both 长三角 pilot units). */
interface NewbornScenario {
  label: string;
  point: string;
  delivery: 'WINDOW' | 'POST';
  expected: Expected;
  plan: 'collect' | 'post' | 'refuse' | 'supplement' | 'withdraw';
}

const NEWBORN_SCENARIOS: NewbornScenario[] = [
  {
    label: 'nb-window',
    point: '330402-01',
    delivery: 'WINDOW',
    expected: 'DELIVERED',
    plan: 'collect',
  },
  { label: 'nb-post', point: '330402-01', delivery: 'POST', expected: 'DELIVERED', plan: 'post' },
  {
    label: 'nb-refused',
    point: '330402-01',
    delivery: 'WINDOW',
    expected: 'REFUSED',
    plan: 'refuse',
  },
  {
    label: 'nb-supplement',
    point: '330402-01',
    delivery: 'WINDOW',
    expected: 'DELIVERED',
    plan: 'supplement',
  },
  {
    label: 'nb-cancelled',
    point: '330402-01',
    delivery: 'WINDOW',
    expected: 'CANCELLED',
    plan: 'withdraw',
  },
];

const APPLICATIONS = '/api/v1/applications';
const NEWBORN = '/api/v1/newborn-registrations';

interface CaseView {
  id: string;
  receiptNumber: string;
  status: string;
  delivery: { method: string; postalReturned: boolean };
  refusal: { code: string; reason: string } | null;
  supplementItemsRequested: { code: string; description: string }[];
  timeline: {
    from: string | null;
    to: string;
    event: string;
    side: string;
    actor: string | null;
    senderProvince: string | null;
    at: string;
  }[];
}

interface Running {
  /** The route of the case's kind: applications or newborn registrations. */
  base: typeof APPLICATIONS | typeof NEWBORN;
  scenario: Pick<Scenario, 'label' | 'point' | 'expected' | 'plan'> & { plan: string };
  person: RegistryRecord;
  proxy: RegistryRecord | null;
  caseId: string;
  receiptNumber: string;
  status: string;
  /** Timeline entries already shown. */
  seen: number;
  done: Set<string>;
}

function token(
  role: CallerRole,
  scope: { province: string; point?: string },
  secret: string,
  issuer: string,
  audience: string,
) {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    {
      iss: issuer,
      aud: audience,
      sub: `demo-${role}@${scope.point ?? scope.province}`,
      iat: now,
      exp: now + 3600,
      role,
      scope,
    },
    jwtKeyFrom(secret, 'sign'),
  );
}

async function main() {
  const config = loadConfig();
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say('Starting every service (intake, verification, production, delivery) in one process…');
  // The demo's own progress is the interesting output; the services log warnings and errors only.
  const node = await startNode({
    name: 'demo',
    features: ALL_FEATURES,
    config: { ...config, LOG_LEVEL: 'warn', LOG_FORMAT: 'pretty' },
  });
  const dataSource = node.app.get(DataSource);
  const secret = config.JWT_SECRET;
  if (!secret) throw new Error('the demo signs its tokens with JWT_SECRET (HS256); set it');
  const bearer = (role: CallerRole, scope: { province: string; point?: string }) => ({
    authorization: `Bearer ${token(role, scope, secret, config.JWT_ISSUER, config.JWT_AUDIENCE)}`,
  });

  async function api<T>(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
    extra: Record<string, string> = {},
  ) {
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: {
        ...headers,
        ...extra,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : {};
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${json.message ?? text}`);
    return json as T;
  }

  // 1. The demo population registry (deterministic), imported on the hukou side.
  const today = todayInChina();
  const registry = generateRegistry({ seed: 'demo', perProvince: 40 });
  // People with a case still open (an earlier demo run that was interrupted) are left out: a person
  // has one open first application at a time. So are people the hukou side still holds a first
  // application for (an earlier run's approved case: a withdrawal releases the claim, an issued
  // card keeps it): it would refuse them as "already open elsewhere". The demo reads both schemas because it runs every service on one
  // database; a real residence node never reads the hukou side's tables.
  const open: { id: string }[] = await dataSource.query(
    `SELECT applicant->>'idNumber' AS id FROM intake.cases WHERE status NOT IN ('REFUSED', 'CANCELLED', 'DELIVERED')
     UNION SELECT id_number AS id FROM verification.open_applications`,
  );
  const used = new Set<string>(open.map((r) => r.id));
  const pick = (province: string, age: [number, number]) => {
    const person = registry.find(
      (r) =>
        r.hukouAddressCode.startsWith(province) &&
        r.status === 'ACTIVE' &&
        !r.cardIssued &&
        r.flags.length === 0 &&
        !used.has(r.idNumber) &&
        ageOn(r.birthDate, today) >= age[0] &&
        ageOn(r.birthDate, today) <= age[1],
    );
    if (!person)
      throw new Error(`demo registry has no suitable person in ${province} aged ${age.join('–')}`);
    used.add(person.idNumber);
    return person;
  };
  const chosen = SCENARIOS.map((scenario) => ({
    scenario,
    person: pick(scenario.hukouProvince, scenario.age),
  }));
  // The refused applicant already holds a card: a first application is refused (CARD_ALREADY_ISSUED).
  const refused = chosen.find((c) => c.scenario.plan === 'refuse')!;
  refused.person.cardIssued = true;
  // For the supplement and withdrawal paths the hukou bureau wants the household register pages first.
  for (const c of chosen.filter(
    (x) => x.scenario.plan === 'supplement' || x.scenario.plan === 'withdraw',
  )) {
    c.person.flags = ['DOCUMENTS_REQUIRED'];
  }
  // Newborn registrations: parents with a Shanghai hukou (a 长三角 pilot unit, like 嘉兴).
  const pickParent = (sex: 'M' | 'F') => {
    const parent = registry.find(
      (r) =>
        r.hukouAddressCode.startsWith('31') &&
        r.sex === sex &&
        r.status === 'ACTIVE' &&
        r.flags.length === 0 &&
        !used.has(r.idNumber) &&
        ageOn(r.birthDate, today) >= 22 &&
        ageOn(r.birthDate, today) <= 45,
    );
    if (!parent) throw new Error('demo registry has no suitable parent in 31');
    used.add(parent.idNumber);
    return parent;
  };
  const families = NEWBORN_SCENARIOS.map((scenario) => ({
    scenario,
    father: pickParent('M'),
    mother: pickParent('F'),
  }));
  for (const f of families) {
    // The refused registration declares a father whose hukou was cancelled (注销).
    if (f.scenario.plan === 'refuse') f.father.status = 'CANCELLED';
    // The hukou bureau wants the marriage evidence and a clearer certificate copy first.
    if (f.scenario.plan === 'supplement' || f.scenario.plan === 'withdraw') {
      f.father.flags = ['DOCUMENTS_REQUIRED'];
    }
  }
  const report = await importRegistryRecords(dataSource, registry);
  say(
    `Registry: ${report.total} people in 31 provinces (${report.inserted} new, ${report.updated} updated, ${report.unchanged} unchanged).`,
  );

  // 2. The applications, each at its acceptance point.
  const runId = Date.now().toString(36);
  const running: Running[] = [];
  for (const { scenario, person } of chosen) {
    const clerk = bearer('clerk', { province: scenario.point.slice(0, 2), point: scenario.point });
    const { photoId } = await api<{ photoId: string }>('POST', '/api/v1/photos', clerk, {
      imageBase64: aPortraitPng({ seed: randomInt(2 ** 47) }).toString('base64'),
    });
    const proxy =
      scenario.plan === 'return-then-proxy' ? pick(scenario.point.slice(0, 2), [25, 60]) : null;
    const guardian =
      ageOn(person.birthDate, today) < 16
        ? pick(person.hukouAddressCode.slice(0, 2), [30, 55])
        : null;
    const body = {
      applicant: {
        idNumber: person.idNumber,
        name: person.name,
        sex: person.sex,
        ethnicity: person.ethnicity,
        birthDate: person.birthDate,
      },
      hukou: { addressCode: person.hukouAddressCode, address: person.hukouAddress },
      acceptancePoint: scenario.point,
      photoId,
      fingerprints: {
        templates: [
          Buffer.from(`fp1-${person.idNumber}`).toString('base64'),
          Buffer.from(`fp2-${person.idNumber}`).toString('base64'),
        ],
      },
      ...(guardian
        ? { guardian: { name: guardian.name, idNumber: guardian.idNumber, relation: '父母' } }
        : {}),
      delivery:
        scenario.delivery === 'POST'
          ? {
              method: 'POST',
              recipient: person.name,
              address: `${lookupDivision(scenario.point.slice(0, 6))?.fullName ?? ''}人民路1号`,
              phone: '13800138000',
            }
          : { method: 'WINDOW' },
      ...(proxy ? { proxy: { name: proxy.name, idNumber: proxy.idNumber } } : {}),
    };
    const created = await api<{ id: string; receiptNumber: string; status: string }>(
      'POST',
      '/api/v1/applications',
      clerk,
      body,
      {
        'idempotency-key': `demo-${runId}-${scenario.label}`,
      },
    );
    running.push({
      base: APPLICATIONS,
      scenario,
      person,
      proxy,
      caseId: created.id,
      receiptNumber: created.receiptNumber,
      status: created.status,
      seen: 0,
      done: new Set(),
    });
    say(
      `  + ${scenario.label.padEnd(15)} ${created.receiptNumber}  ${scenario.point} ← hukou ${scenario.hukouProvince}  ${created.status}`,
    );
  }

  // 2b. The newborn registrations, each by the father at 嘉兴 for his Shanghai household.
  const birthDate = new Date(Date.now() - 10 * 86_400_000 + 8 * 3_600_000)
    .toISOString()
    .slice(0, 10);
  // A random start so that a later demo run on the same database uses certificates never used
  // before (the hukou side registers a certificate once).
  let certificate = randomInt(1, 999_999_000);
  for (const { scenario, father, mother } of families) {
    const clerk = bearer('clerk', { province: scenario.point.slice(0, 2), point: scenario.point });
    const surname = [...father.name][0];
    const given = String.fromCodePoint(0x4e00 + randomInt(0x5000));
    const body = {
      acceptancePoint: scenario.point,
      child: {
        name: `${surname}小${given}`,
        sex: scenario.plan === 'post' ? 'F' : 'M',
        birthDate,
        ethnicity: father.ethnicity,
        birthPlaceCode: scenario.point.slice(0, 6),
      },
      birthCertificateNumber: `P${String(certificate++ % 1e9).padStart(9, '0')}`,
      parent: {
        relation: 'FATHER',
        name: father.name,
        ethnicity: father.ethnicity,
        idNumber: father.idNumber,
      },
      otherParent: {
        relation: 'MOTHER',
        name: mother.name,
        ethnicity: mother.ethnicity,
        idNumber: mother.idNumber,
      },
      marriage: { kind: 'MARRIAGE_CERTIFICATE', number: `J${father.hukouAddressCode}-2020-000123` },
      hukou: { addressCode: father.hukouAddressCode, address: father.hukouAddress },
      delivery:
        scenario.delivery === 'POST'
          ? {
              method: 'POST',
              recipient: father.name,
              address: `${lookupDivision(scenario.point.slice(0, 6))?.fullName ?? ''}中山路1号`,
              phone: '13800138000',
            }
          : { method: 'WINDOW' },
    };
    const created = await api<{ id: string; receiptNumber: string; status: string }>(
      'POST',
      NEWBORN,
      clerk,
      body,
      { 'idempotency-key': `demo-${runId}-${scenario.label}` },
    );
    running.push({
      base: NEWBORN,
      scenario,
      person: father,
      proxy: null,
      caseId: created.id,
      receiptNumber: created.receiptNumber,
      status: created.status,
      seen: 0,
      done: new Set(),
    });
    say(
      `  + ${scenario.label.padEnd(15)} ${created.receiptNumber}  ${scenario.point} ← hukou ${father.hukouAddressCode.slice(0, 2)}  ${created.status}`,
    );
  }

  // 3. Drive every case to its end, acting as the clerk and the courier when a case waits on them.
  say('\nProgress (each line is a transition of a case, as its timeline records it):');
  const deadline = Date.now() + TIMEOUT_MS;
  const finished = (r: Running) => ['DELIVERED', 'REFUSED', 'CANCELLED'].includes(r.status);
  while (running.some((r) => !finished(r)) && Date.now() < deadline) {
    for (const r of running.filter((x) => !finished(x))) {
      const point = r.scenario.point;
      const clerk = bearer('clerk', { province: point.slice(0, 2), point });
      const c = await read(r, clerk);
      for (const t of c.timeline.slice(r.seen)) {
        if (t.from === t.to) continue; // self-loops (timers) are in the final timeline
        const who = `${t.side}${t.senderProvince ? ` ${t.senderProvince}` : ''}`;
        say(
          `  ${r.scenario.label.padEnd(15)} ${(t.from ?? '—').padEnd(19)} → ${t.to.padEnd(19)} ${t.event} (${who})`,
        );
      }
      r.seen = c.timeline.length;
      r.status = c.status;
      await act(r, c, clerk);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  /** A case as the demo reads it, whichever its kind (a newborn view names two fields otherwise). */
  async function read(r: Running, clerk: Record<string, string>): Promise<CaseView> {
    const c = await api<
      CaseView & {
        supplementRequested?: CaseView['supplementItemsRequested'];
        registration?: { citizenIdNumber: string } | null;
      }
    >('GET', `${r.base}/${r.caseId}`, clerk);
    if (r.base === APPLICATIONS) return c;
    return {
      ...c,
      supplementItemsRequested: c.supplementRequested ?? [],
      delivery: {
        method: c.delivery.method,
        postalReturned: c.timeline.some((t) => t.event === 'POSTAL_RETURNED'),
      },
    };
  }

  async function act(r: Running, c: CaseView, clerk: Record<string, string>) {
    const once = async (step: string, fn: () => Promise<unknown>) => {
      if (r.done.has(step)) return;
      r.done.add(step);
      await fn();
      say(`  ${r.scenario.label.padEnd(15)} · ${step}`);
    };
    const province = r.scenario.point.slice(0, 2);
    if (c.status === 'SUPPLEMENT_REQUIRED' && r.scenario.plan === 'withdraw') {
      await once('applicant withdraws the application', () =>
        api('POST', `${r.base}/${r.caseId}/cancel`, clerk, {
          reason: 'applicant withdrew: moving back to the hukou place',
        }),
      );
    } else if (c.status === 'SUPPLEMENT_REQUIRED') {
      await once(
        `clerk submits ${c.supplementItemsRequested.map((i) => i.code).join(', ')}`,
        async () => {
          const codes = c.supplementItemsRequested.map((i) => i.code);
          // A new portrait comes with PHOTO_OUTDATED; the other items are documents the clerk scanned.
          const newPhoto = codes.includes('PHOTO_OUTDATED')
            ? await api<{ photoId: string }>('POST', '/api/v1/photos', clerk, {
                imageBase64: aPortraitPng({ seed: randomInt(2 ** 47) }).toString('base64'),
              })
            : null;
          await api('POST', `${r.base}/${r.caseId}/supplements`, clerk, {
            items: codes.map((code) => ({ code, note: 'supplied at the acceptance point' })),
            ...(newPhoto ? { photoId: newPhoto.photoId } : {}),
          });
        },
      );
    } else if (
      c.status === 'DISPATCHED' &&
      c.delivery.method === 'POST' &&
      !c.delivery.postalReturned
    ) {
      const courier = bearer('delivery', { province });
      if (r.scenario.plan === 'return-then-proxy') {
        await once('courier reports the parcel undeliverable (returned)', () =>
          api('POST', `/api/v1/deliveries/${r.caseId}/courier`, courier, {
            event: 'RETURNED',
            reason: '收件人地址无人签收',
          }),
        );
      } else {
        await once('courier delivers with the pickup code', async () => {
          const [row] = await dataSource.query(
            `SELECT body FROM delivery.notifications WHERE case_id = $1 AND kind = 'PICKUP_CODE'`,
            [r.caseId],
          );
          const pickupCode = /取件码 (\d{6})/.exec(String(row?.body ?? ''))?.[1];
          if (!pickupCode) throw new Error('no pickup code was sent to the applicant');
          await api('POST', `/api/v1/deliveries/${r.caseId}/courier`, courier, {
            event: 'DELIVERED',
            pickupCode,
          });
        });
      }
    } else if (c.status === 'DISPATCHED') {
      await once('clerk records the card arrived at the point', () =>
        api('POST', `/api/v1/deliveries/${r.caseId}/arrived`, clerk, {}),
      );
    } else if (c.status === 'READY_FOR_PICKUP') {
      const collector = r.proxy
        ? { type: 'PROXY', name: r.proxy.name, idNumber: r.proxy.idNumber }
        : { type: 'APPLICANT', name: r.person.name, idNumber: r.person.idNumber };
      await once(
        `${collector.type === 'PROXY' ? 'proxy' : 'applicant'} collects with the receipt`,
        () =>
          api('POST', `/api/v1/deliveries/${r.caseId}/collected`, clerk, {
            receiptNumber: r.receiptNumber,
            collector,
          }),
      );
    }
  }

  // 4. Timelines and the verdict.
  say('\nTimelines:');
  let failures = 0;
  for (const r of running) {
    const point = r.scenario.point;
    const c = await read(r, bearer('clerk', { province: point.slice(0, 2), point }));
    const ok = c.status === r.scenario.expected;
    if (!ok) failures++;
    say(
      `\n${ok ? '✓' : '✗'} ${r.scenario.label} ${c.receiptNumber}: ${c.status} (expected ${r.scenario.expected})${c.refusal ? ` — ${c.refusal.code}: ${c.refusal.reason}` : ''}${registered(c)}`,
    );
    for (const t of c.timeline) {
      const who = t.senderProvince
        ? `${t.side} ${t.senderProvince}`
        : `${t.side}${t.actor ? ` ${t.actor}` : ''}`;
      say(
        `    ${t.at.replace('T', ' ').slice(0, 23)}  ${(t.from ?? '—').padEnd(19)} → ${t.to.padEnd(19)} ${t.event.padEnd(24)} ${who}`,
      );
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  say(
    `\ndemo: ${running.length - failures} of ${running.length} cases ended as expected in ${seconds} s`,
  );
  if (KEEP_RUNNING) {
    say(
      `\nThe system keeps running at ${node.url} (API docs ${node.url}/api/docs, metrics ${node.url}/metrics). Ctrl-C stops it.`,
    );
    say(
      `A clerk token for 310101-01: ${token('clerk', { province: '31', point: '310101-01' }, secret, config.JWT_ISSUER, config.JWT_AUDIENCE)}`,
    );
    return;
  }
  await node.close();
  process.exit(failures ? 1 : 0);
}

/** For a registered newborn: the child's new citizen ID number (masked) and household. */
function registered(c: CaseView): string {
  const r = (
    c as CaseView & { registration?: { citizenIdNumber: string; householdNumber: string } | null }
  ).registration;
  if (!r) return '';
  const n = r.citizenIdNumber;
  return ` — child registered: ${n.slice(0, 14)}${'*'.repeat(3)}${n.slice(17)} (sequence ${Number(n[16]) % 2 ? 'odd, boy' : 'even, girl'}), household ${r.householdNumber}`;
}

main().catch((error) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
