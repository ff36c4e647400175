import { BadRequestException } from '@nestjs/common';
import { addDays, DomainRuleError, todayInChina } from '@app/domain';
import { MAX_DAILY_SPAN_DAYS, resolveRange } from './stats.service';

describe('daily range', () => {
  it('defaults to the 30 days up to today in China', () => {
    const today = todayInChina();
    expect(resolveRange({})).toEqual({ from: addDays(today, -29), to: today });
  });

  it('takes an explicit range, one day included', () => {
    expect(resolveRange({ from: '2022-07-01', to: '2022-07-31' })).toEqual({
      from: '2022-07-01',
      to: '2022-07-31',
    });
    expect(resolveRange({ from: '2022-07-31', to: '2022-07-31' }).from).toBe('2022-07-31');
  });

  it('caps an open-ended range starting long ago', () => {
    const r = resolveRange({ from: '2010-01-01' });
    expect(r.to).toBe(addDays('2010-01-01', MAX_DAILY_SPAN_DAYS - 1));
  });

  it('refuses reversed, too long and impossible ranges', () => {
    expect(() => resolveRange({ from: '2022-08-01', to: '2022-07-01' })).toThrow(
      BadRequestException,
    );
    expect(() => resolveRange({ from: '2019-01-01', to: '2022-07-01' })).toThrow(/at most 1000/);
    expect(() => resolveRange({ from: '2022-02-30', to: '2022-03-01' })).toThrow(DomainRuleError);
  });
});
