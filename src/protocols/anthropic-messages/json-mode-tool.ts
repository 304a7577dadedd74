/**
 * Anthropic has no JSON mode. Detour emulates one by offering a single tool whose input schema is the
 * requested schema and forcing the model to call it: the tool's input is the answer. The decoders
 * turn a call of this tool back into text, so the client sees a JSON answer.
 */
export const JSON_MODE_TOOL_NAME = 'detour_json_response';

/** The tool's description, which is all the model is told. */
export const JSON_MODE_TOOL_DESCRIPTION = 'Give your complete answer as the input of this tool, as JSON.';
