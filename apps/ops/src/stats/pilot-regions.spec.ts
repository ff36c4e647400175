import { DEFAULT_PILOT_SCHEDULE } from '@app/domain';
import { OTHER_REGION, PilotRegions } from './pilot-regions';

describe('PilotRegions', () => {
  const regions = new PilotRegions(DEFAULT_PILOT_SCHEDULE);

  it('lists the five pilot regions of the seeds, then other', () => {
    expect(regions.all().map((r) => r.name)).toEqual([
      '京津冀',
      '长三角',
      '闽赣',
      '粤湘',
      '川渝黔',
      '其他',
    ]);
  });

  it.each([
    ['31', '34', 'yrd'],
    ['34', '31', 'yrd'],
    ['11', '13', 'jjj'],
    ['44', '43', 'yuexiang'],
    ['50', '52', 'chuanyuqian'],
    ['36', '35', 'mingan'],
    ['31', '11', 'other'],
    ['37', '41', 'other'],
    ['65', '31', 'other'],
  ])('%s → %s is %s', (residence, hukou, region) => {
    expect(regions.regionOf(residence, hukou).id).toBe(region);
  });

  it('takes its regions from the schedule data, not from code', () => {
    const custom = new PilotRegions({
      regions: [{ id: 'northeast', name: '东北', provinces: ['21', '22', '23'] }],
    });
    expect(custom.regionOf('21', '23').name).toBe('东北');
    expect(custom.regionOf('31', '34')).toBe(OTHER_REGION);
  });
});
