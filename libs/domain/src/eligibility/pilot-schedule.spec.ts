import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_PILOT_SCHEDULE,
  loadPilotSchedule,
  parsePilotSchedule,
  PilotSchedule,
} from '@app/domain';
import { caughtDataError } from '../testing/errors';

const dir = mkdtempSync(join(tmpdir(), 'pilot-schedule-'));
function writeJson(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

const minimal = (rules: unknown[]) => ({
  revision: 'test',
  regions: [{ id: 'yrd', name: '长三角', provinces: ['31', '32', '33', '34'] }],
  rules,
});

describe('the bundled pilot schedule', () => {
  it('is what loadPilotSchedule() returns, frozen', () => {
    expect(loadPilotSchedule()).toBe(DEFAULT_PILOT_SCHEDULE);
    expect(Object.isFrozen(DEFAULT_PILOT_SCHEDULE.rules[0])).toBe(true);
  });

  it('encodes the five 2021 pilot regions', () => {
    expect(DEFAULT_PILOT_SCHEDULE.regions.map((r) => [r.name, [...r.provinces].sort()])).toEqual([
      ['京津冀', ['11', '12', '13']],
      ['长三角', ['31', '32', '33', '34']],
      ['闽赣', ['35', '36']],
      ['粤湘', ['43', '44']],
      ['川渝黔', ['50', '51', '52']],
    ]);
  });

  it('encodes the dated rules of the seeds and nothing invented', () => {
    const summary = DEFAULT_PILOT_SCHEDULE.rules.map((r) => {
      switch (r.kind) {
        case 'pilot-units':
          return [r.id, r.kind, r.region, r.effectiveFrom, r.units.join(' ')];
        case 'region-wide':
          return [r.id, r.kind, r.region, r.effectiveFrom];
        case 'national':
          return [r.id, r.kind, r.batches.map((b) => `${b.effectiveFrom}:${b.provinces.length}`)];
        default:
          return [r.id, r.kind];
      }
    });
    expect(summary).toEqual([
      [
        'yrd-pilot-units',
        'pilot-units',
        'yrd',
        '2021-10-20',
        '31 3201 3205 3209 3304 3306 3310 3401 3413 3410',
      ],
      ['yrd-region-wide', 'region-wide', 'yrd', '2021-12-01'],
      ['mingan-region-wide', 'region-wide', 'mingan', '2022-08-01'],
      ['chuanyuqian-region-wide', 'region-wide', 'chuanyuqian', '2022-08-01'],
      ['national-batches-2022', 'national', []],
      ['nationwide-2024', 'national', ['2024-05-27:31']],
    ]);
  });
});

describe('loadPilotSchedule(path)', () => {
  it('loads and normalises a replacement file', () => {
    const path = writeJson('ok.json', {
      ...minimal([
        {
          id: 'units',
          kind: 'pilot-units',
          region: 'yrd',
          effectiveFrom: '2021-10-20',
          units: ['310000', '330400', '3201'],
          description: 'zero-padded codes are normalised',
        },
        {
          id: 'x',
          kind: 'exclusion',
          pair: ['310101', '33'],
          effectiveFrom: '2022-01-01',
          description: 'x',
        },
      ]),
    });
    const schedule: PilotSchedule = loadPilotSchedule(path);
    expect(schedule.rules[0]).toMatchObject({ units: ['31', '3304', '3201'] });
    expect(schedule.rules[1]).toMatchObject({ pair: ['310101', '33'], direction: 'both' });
  });

  it('reports an unreadable file or bad JSON', () => {
    expect(caughtDataError(() => loadPilotSchedule(join(dir, 'missing.json'))).entry).toBe(
      '(file)',
    );
    expect(
      caughtDataError(() => loadPilotSchedule(writeJson('bad.json', '{"rules": ['))).message,
    ).toMatch(/bad\.json: \(file\): cannot read pilot schedule/);
  });

  const rule = (extra: object) => ({
    id: 'r1',
    kind: 'region-wide',
    region: 'yrd',
    effectiveFrom: '2021-12-01',
    description: 'd',
    ...extra,
  });

  it.each([
    ['no rules array', { revision: 'x', regions: [] }, 'rules: must be an array'],
    [
      'a bad date',
      minimal([rule({ effectiveFrom: '2021-02-30' })]),
      'rules[0] (r1).effectiveFrom: must be a real date',
    ],
    [
      'an unknown region',
      minimal([rule({ region: 'nowhere' })]),
      'rules[0] (r1).region: "nowhere" is not a region id',
    ],
    [
      'an unknown kind',
      minimal([rule({ kind: 'sometimes' })]),
      'rules[0] (r1).kind: must be one of',
    ],
    ['a duplicate id', minimal([rule({}), rule({})]), 'rules[1] (r1): duplicate rule id'],
    ['a missing description', minimal([rule({ description: '' })]), 'rules[0] (r1).description'],
    [
      'a unit outside its region',
      minimal([rule({ kind: 'pilot-units', units: ['31', '4403'] })]),
      'rules[0] (r1).units[1]: 4403 is outside region yrd',
    ],
    [
      'an unknown unit',
      minimal([rule({ kind: 'pilot-units', units: ['3399'] })]),
      'rules[0] (r1).units[0]: "3399" is not a known division code',
    ],
    [
      'an empty unit list',
      minimal([rule({ kind: 'pilot-units', units: [] })]),
      'rules[0] (r1).units: must not be empty',
    ],
    [
      'a bad batch province',
      minimal([
        {
          id: 'n',
          kind: 'national',
          description: 'd',
          batches: [{ effectiveFrom: '2022-10-01', provinces: ['71'] }],
        },
      ]),
      'rules[0] (n).batches[0].provinces[0]: "71" is not one of the 31 mainland province codes',
    ],
    [
      'a one-way route inside one province',
      minimal([
        {
          id: 'o',
          kind: 'one-way',
          from: '3301',
          to: '3304',
          effectiveFrom: '2022-01-01',
          description: 'd',
        },
      ]),
      'rules[0] (o): from and to are in the same province',
    ],
    [
      'an end before the start',
      minimal([
        {
          id: 'o',
          kind: 'one-way',
          from: '44',
          to: '65',
          effectiveFrom: '2022-01-01',
          effectiveUntil: '2021-12-31',
          description: 'd',
        },
      ]),
      'rules[0] (o).effectiveUntil: is before effectiveFrom',
    ],
    [
      'an exclusion with both pair and prefix',
      minimal([
        {
          id: 'x',
          kind: 'exclusion',
          pair: ['31', '33'],
          prefix: '65',
          effectiveFrom: '2022-01-01',
          description: 'd',
        },
      ]),
      'rules[0] (x): needs exactly one of "pair" or "prefix"',
    ],
    [
      'an exclusion pair of three',
      minimal([
        {
          id: 'x',
          kind: 'exclusion',
          pair: ['31', '33', '34'],
          effectiveFrom: '2022-01-01',
          description: 'd',
        },
      ]),
      'rules[0] (x).pair: must hold exactly two codes',
    ],
    [
      'a region with an unknown province',
      { revision: 'x', regions: [{ id: 'r', name: 'n', provinces: ['99'] }], rules: [] },
      'regions[0] (r).provinces[0]',
    ],
  ])('names the bad entry: %s', (_label, content, expected) => {
    const path = writeJson('invalid.json', content);
    const e = caughtDataError(() => loadPilotSchedule(path));
    expect(e.source).toBe(path);
    expect(e.message).toContain(expected);
  });

  it('parsePilotSchedule validates objects built in code', () => {
    expect(() => parsePilotSchedule(null)).toThrow(
      'pilot schedule: (top level): must be an object',
    );
    expect(parsePilotSchedule(DEFAULT_PILOT_SCHEDULE)).toEqual(DEFAULT_PILOT_SCHEDULE);
  });
});
