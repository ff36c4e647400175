import { listCounties } from '@app/domain';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AcceptancePoints,
  AcceptancePointsError,
  defaultAcceptancePoints,
  loadAcceptancePoints,
  parseAcceptancePoints,
} from './acceptance-points';

describe('acceptance points', () => {
  it('default to one point <county>-01 per county-level division', () => {
    const points = defaultAcceptancePoints();
    expect(points).toHaveLength(listCounties().length);
    const nanhu = new AcceptancePoints(points).get('330402-01');
    expect(nanhu).toMatchObject({ countyCode: '330402', provinceCode: '33' });
    expect(nanhu!.name).toContain('南湖区');
    expect(new AcceptancePoints(points).get('330402-02')).toBeUndefined();
  });

  it('can be replaced by a list of ids or {id, name} objects', () => {
    const points = parseAcceptancePoints([
      '330402-01',
      { id: '330402-02', name: '南湖区政务服务中心' },
    ]);
    expect(points.map((p) => p.id)).toEqual(['330402-01', '330402-02']);
    expect(points[1].name).toBe('南湖区政务服务中心');
  });

  it('refuse a bad list, naming the entry', () => {
    const bad = (raw: unknown) => () => parseAcceptancePoints(raw, 'points.json');
    expect(bad([])).toThrow(/non-empty JSON array/);
    expect(bad({})).toThrow(AcceptancePointsError);
    expect(bad(['330402'])).toThrow(/\[0\]: "330402" is not an acceptance point id/);
    expect(bad(['330400-01'])).toThrow(/\[0\].*not a county-level/);
    expect(bad(['330402-01', '330402-01'])).toThrow(/\[1\]: duplicate point 330402-01/);
    expect(bad([{ id: '330402-01', city: 'x' }])).toThrow(/unknown field\(s\) city/);
    expect(bad([{ id: '330402-01', name: '' }])).toThrow(/name must be/);
  });

  it('load from a file, or the default without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'points-'));
    const file = join(dir, 'points.json');
    writeFileSync(file, JSON.stringify(['310101-01', '310101-02']));
    expect(loadAcceptancePoints(file).map((p) => p.id)).toEqual(['310101-01', '310101-02']);
    expect(() => loadAcceptancePoints(join(dir, 'missing.json'))).toThrow(/cannot read/);
    expect(loadAcceptancePoints(undefined).length).toBeGreaterThan(2000);
  });
});
