// Helm's values.schema.json errors without the values: Helm 4 quotes the rejected
// value ("- at '/password': 'hunter2' does not match pattern '^[a-z]+$'"), and
// which values are secret cannot be known. Each error keeps its path and the
// constraint it broke; any message not known to be free of values becomes a
// plain "does not meet the schema", and other text of the error is dropped.

const HEADER = "values don't meet the specifications of the schema(s)";
const ENTRY = /^- at '((?:\\.|[^'\\])*)': (.*)$/s;
const CHART_LABEL = /^[\w.-]+:$/;

/** Messages that repeat no value (the schema's own words, key names, types, counts, positions). */
const VALUE_FREE = [
  /^missing propert(y|ies) '.*'$/,
  /^value must be (one of )?.+$/,
  /^additional properties '.*' not allowed$/,
  /^properties '.*' required, if '.*' exists$/,
  /^invalid propertyName '.*'$/,
  /^(not|allOf|anyOf|const|contentSchema|validation) failed$/,
  /^oneOf failed, (none matched|subschemas \d+, \d+ matched)$/,
  /^false schema$/,
  /^no items match contains schema$/,
  /^items at \d+ and \d+ are equal$/,
  /^last \d+ additionalItem\(s\) not allowed$/,
  /^(min|max) \d+ items required to match contains schema, but (none matched|matched \d+ items at [\d ]+)$/,
  /^got (null|boolean|number|integer|string|array|object), want [a-z]+( or [a-z]+)*$/,
];
// Numbers are printed with digit grouping ("want 9,999"), never with ", want " inside.
const BOUND = /^(minimum|maximum|exclusiveMinimum|exclusiveMaximum|multipleOf|minLength|maxLength|minItems|maxItems|minProperties|maxProperties): got .*?, want (.+)$/s;
const PATTERN = ' does not match pattern ';

function constraint(message: string): string {
  if (VALUE_FREE.some((form) => form.test(message))) return message;
  const bound = BOUND.exec(message);
  if (bound) return `${bound[1]}: want ${bound[2]}`;
  // The rejected value comes first, the schema's pattern last.
  const pattern = message.lastIndexOf(PATTERN);
  if (pattern !== -1) return `does not match pattern ${message.slice(pattern + PATTERN.length)}`;
  return 'does not meet the schema';
}

/** A render error with each schema error reduced to its path and constraint; other errors unchanged. */
export function withoutSchemaValues(error: string): string {
  const start = error.indexOf(HEADER);
  if (start === -1) return error;
  // The tool's lines, as the sandbox joins them (" · ") or as printed.
  const [intro, ...lines] = error.slice(start + HEADER.length).split(/ · |\r?\n/);
  const kept = lines.flatMap((line) => {
    if (CHART_LABEL.test(line)) return [line];
    const entry = ENTRY.exec(line);
    return entry ? [`- at '${entry[1]}': ${constraint(entry[2]!)}`] : [];
  });
  return [`${error.slice(0, start + HEADER.length)}${intro === ' in the following chart(s):' ? intro : ':'}`, ...kept].join(' · ');
}
