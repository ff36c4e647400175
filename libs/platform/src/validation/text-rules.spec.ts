import { FREE_TEXT, PLAIN_TEXT } from './text-rules';

describe('text rules', () => {
  it.each([
    ['张三', true],
    ['阿依古丽·买买提', true],
    ["O'Brien; DROP TABLE intake.cases; --", true],
    ['😀 emoji pairs are fine', true],
    ['<script>alert(1)</script>', false],
    ['a\u0000b', false],
    ['line\nbreak', false],
    ['lone \ud800 surrogate', false],
    ['del\u007f', false],
    ['right-to-left override \u202e三张', false],
    ['zero\u200bwidth', false],
    ['joiner\u200d', false],
    ['word joiner\u2060', false],
    ['isolate \u2067x\u2069', false],
    ['mark \u200f', false],
    ['bom \ufeff', false],
    ['C1 \u0085 next line', false],
    ['line separator \u2028', false],
  ])('plain text %j → %s', (value, ok) => {
    expect(PLAIN_TEXT.test(value)).toBe(ok);
  });

  it.each([
    ['<script>alert(1)</script>', true],
    ['two\nlines\tand a tab', true],
    ['a\u0000b', false],
    ['bell\u0007', false],
    ['lone \udc00 surrogate', false],
    ['override \u202e in a reason', false],
    ['zero\u200bwidth', false],
  ])('free text %j → %s', (value, ok) => {
    expect(FREE_TEXT.test(value)).toBe(ok);
  });
});
