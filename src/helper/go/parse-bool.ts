/** The spellings Go's strconv.ParseBool accepts as true. */
const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
/** The spellings Go's strconv.ParseBool accepts as false. */
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** Go's strconv.ParseBool: undefined when the text is none of Go's spellings. */
export function parseGoBool(text: string): boolean | undefined {
  if (TRUE.includes(text)) return true;
  if (FALSE.includes(text)) return false;
  return undefined;
}
