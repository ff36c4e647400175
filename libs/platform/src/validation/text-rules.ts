import { Matches } from 'class-validator';

/**
 * Character rules for text the clerk types. Strings are stored and returned as data (parameterised
 * SQL, JSON responses), so quotes, semicolons or "--" are harmless and accepted; these rules refuse
 * what has no place in the field and would otherwise fail later (PostgreSQL refuses NUL in text
 * and jsonb: a 500 instead of a 400) or surprise a consumer that prints it.
 */

/**
 * Invisible formatting characters: bidirectional embeddings, overrides, isolates and marks
 * (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069) reorder what is displayed, so "张三" can print
 * as something else on a card or a screen (the "Trojan Source" trick); zero-width characters
 * (U+200B-U+200D, U+2060-U+2064, U+FEFF) make two different strings look the same. C1 controls
 * (U+0080-U+009F) and the line/paragraph separators (U+2028-U+2029) are controls too. No name,
 * address or reason needs any of them.
 */
const INVISIBLE =
  '\\u0080-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff';

/** A UTF-16 code unit that is not half of a surrogate pair (it cannot be stored as UTF-8). */
const WELL_FORMED = '(?:[\\ud800-\\udbff][\\udc00-\\udfff])';

/**
 * Names, ethnicity, relation, addresses, postal recipient: printed on a card or a parcel label.
 * No control characters, no invisible formatting and no markup characters (< >): no name or
 * address needs them.
 */
export const PLAIN_TEXT = new RegExp(
  `^(?:[^\\u0000-\\u001f\\u007f<>${INVISIBLE}\\ud800-\\udfff]|${WELL_FORMED})*$`,
);

/**
 * Free text (reasons, notes): anything printable, including < and > (kept verbatim and returned
 * only as JSON data), line breaks and tabs; no other control characters, no invisible formatting.
 */
export const FREE_TEXT = new RegExp(
  `^(?:[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f${INVISIBLE}\\ud800-\\udfff]|${WELL_FORMED})*$`,
);

export const PlainText = () =>
  Matches(PLAIN_TEXT, {
    message:
      '$property must be plain text: no control characters, no < or >, no invisible or bidirectional formatting characters (zero-width, U+202A-U+202E, U+2066-U+2069)',
  });

export const FreeText = () =>
  Matches(FREE_TEXT, {
    message:
      '$property must not contain control characters or invisible or bidirectional formatting characters',
  });
