import { Side } from '@app/workflow';
import { senderSide } from './case-parties';

describe('senderSide', () => {
  const route = { residenceProvince: '33', hukouProvince: '34' };

  it('maps the verified sender to the side it plays in this case', () => {
    expect(senderSide({ service: 'verification', province: '34' }, route)).toBe(Side.HUKOU);
    expect(senderSide({ service: 'production', province: '33' }, route)).toBe(Side.RESIDENCE);
    expect(senderSide({ service: 'delivery', province: '33' }, route)).toBe(Side.RESIDENCE);
    expect(senderSide({ service: 'intake', province: '33' }, route)).toBe(Side.SYSTEM);
  });

  it('gives no side to other provinces or to services that have no part in this case', () => {
    expect(senderSide({ service: 'verification', province: '44' }, route)).toBeUndefined();
    expect(senderSide({ service: 'production', province: '34' }, route)).toBeUndefined();
    expect(senderSide({ service: 'intake', province: '34' }, route)).toBeUndefined();
    expect(senderSide({ service: 'verification', province: '33' }, route)).toBeUndefined();
    expect(senderSide({ service: 'ops', province: '33' }, route)).toBeUndefined();
  });
});
