// Splits a SQL text into statements the way SQLite itself finds statement ends.
//
// This is a port of the state machine behind SQLite's sqlite3_complete()
// (src/complete.c): semicolons inside strings, quoted identifiers, [brackets],
// comments and CREATE TRIGGER ... BEGIN ... END bodies do not end a statement.
// It only decides WHERE to cut; every statement is still parsed and run by the
// real D1 engine, which reports its own errors.
//
// Rules for what is not a statement (so the engine sees the same junk it would
// see if the whole text were one prepare()):
// - whitespace, comments and stray semicolons before a statement stay in front
//   of that statement's text;
// - an empty statement (a stray `;`) after a statement, and anything after the
//   last statement that is more than whitespace (a comment), is appended to
//   the previous statement's text, so the engine gives its own answer (D1 says
//   "SQL code did not contain a statement.");
// - a text with no statement at all is returned as one piece, unchanged, so the
//   engine gives its own answer ("No SQL statements detected." for blank text).

const SEMI = 0, WS = 1, OTHER = 2, EXPLAIN = 3, CREATE = 4, TEMP = 5, TRIGGER = 6, END = 7;

// trans[state][token], states: 0 INVALID, 1 START, 2 NORMAL, 3 EXPLAIN,
// 4 CREATE, 5 TRIGGER, 6 SEMI, 7 END (copied from SQLite's complete.c).
const TRANS = [
  [1, 0, 2, 3, 4, 2, 2, 2],
  [1, 1, 2, 3, 4, 2, 2, 2],
  [1, 2, 2, 2, 2, 2, 2, 2],
  [1, 3, 3, 2, 4, 2, 2, 2],
  [1, 4, 2, 2, 2, 4, 5, 2],
  [6, 5, 5, 5, 5, 5, 5, 5],
  [6, 6, 5, 5, 5, 5, 5, 7],
  [1, 7, 5, 5, 5, 5, 5, 5],
];

function isIdChar(ch) {
  if (ch === undefined) return false;
  const c = ch.charCodeAt(0);
  return (
    (c >= 48 && c <= 57) || // 0-9
    (c >= 65 && c <= 90) || // A-Z
    (c >= 97 && c <= 122) || // a-z
    c === 95 || // _
    c === 36 || // $
    c >= 0x80
  );
}

function keyword(word) {
  switch (word.toLowerCase()) {
    case "create": return CREATE;
    case "trigger": return TRIGGER;
    case "temp":
    case "temporary": return TEMP;
    case "end": return END;
    case "explain": return EXPLAIN;
    default: return OTHER;
  }
}

// Yields [token, endIndex] for each token of sql.
function* tokens(sql) {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i];
    let token;
    switch (ch) {
      case ";":
        token = SEMI; i += 1; break;
      case " ": case "\r": case "\t": case "\n": case "\f":
        token = WS; i += 1; break;
      case "/":
        if (sql[i + 1] !== "*") { token = OTHER; i += 1; break; }
        {
          const close = sql.indexOf("*/", i + 2);
          i = close < 0 ? n : close + 2;
        }
        token = WS; break;
      case "-":
        if (sql[i + 1] !== "-") { token = OTHER; i += 1; break; }
        {
          const nl = sql.indexOf("\n", i + 2);
          i = nl < 0 ? n : nl + 1;
        }
        token = WS; break;
      case "[":
        {
          const close = sql.indexOf("]", i + 1);
          i = close < 0 ? n : close + 1;
        }
        token = OTHER; break;
      case "`": case "\"": case "'":
        {
          const close = sql.indexOf(ch, i + 1);
          i = close < 0 ? n : close + 1;
        }
        token = OTHER; break;
      default:
        if (isIdChar(ch)) {
          let j = i + 1;
          while (j < n && isIdChar(sql[j])) j++;
          token = keyword(sql.slice(i, j));
          i = j;
        } else {
          token = OTHER; i += 1;
        }
    }
    yield [token, i];
  }
}

/** Returns the statement texts of `sql` (see the rules above); never empty. */
export function splitStatements(sql) {
  const pieces = [];
  let state = 0;
  let start = 0; // start of the pending piece
  let hasContent = false; // pending piece holds a real statement token
  for (const [token, end] of tokens(sql)) {
    if (token !== WS && token !== SEMI) hasContent = true;
    state = TRANS[state][token];
    if (token === SEMI && state === 1) {
      if (hasContent) {
        pieces.push(sql.slice(start, end));
        start = end;
        hasContent = false;
      } else if (pieces.length > 0) {
        // an empty statement (`;;`) after a statement stays with that
        // statement, as in one prepare() of the whole text
        pieces[pieces.length - 1] += sql.slice(start, end);
        start = end;
      }
    }
  }
  const rest = sql.slice(start);
  if (hasContent) {
    pieces.push(rest); // last statement without a closing semicolon
  } else if (pieces.length === 0) {
    pieces.push(rest); // no statement at all: let the engine answer
  } else if (rest.trim() !== "") {
    pieces[pieces.length - 1] += rest; // trailing comment / stray `;`
  }
  return pieces;
}
