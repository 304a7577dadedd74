/**
 * Google's `generateContent` wire types (Gemini API and Vertex AI), as far as Detour writes them.
 * Responses are read leniently with the narrow-json readers, not through these types.
 * @see https://ai.google.dev/api/generate-content
 */

/** Inline bytes. */
export interface GeminiBlob {
  mimeType: string;
  /** Base64 bytes. */
  data: string;
}

/** Bytes the host fetches from a URI. */
export interface GeminiFileData {
  mimeType?: string;
  fileUri: string;
}

/** A call the model made (`args` is always an object). */
export interface GeminiFunctionCall {
  name: string;
  args: Record<string, unknown>;
}

/** A tool's result: `output` on success, `error` on failure (the keys Google documents). */
export interface GeminiFunctionResponse {
  name: string;
  response: { output: string } | { error: string };
}

/** One part of a content; exactly one data field is set. */
export interface GeminiPart {
  text?: string;
  inlineData?: GeminiBlob;
  fileData?: GeminiFileData;
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
  /** Opaque, base64: the model's reasoning state, sent back on the part it came with. */
  thoughtSignature?: string;
}

/** One turn; `user` also carries function responses. */
export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

/** A function the model may call; `parametersJsonSchema` takes full JSON Schema. */
export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parametersJsonSchema: Record<string, unknown>;
}

/** `toolConfig.functionCallingConfig`. */
export interface GeminiFunctionCallingConfig {
  mode: 'AUTO' | 'ANY' | 'NONE';
  /** Only with `ANY`: the calls are limited to these. */
  allowedFunctionNames?: string[];
}

/** `generationConfig.thinkingConfig`. */
export interface GeminiThinkingConfig {
  /** Tokens the model may think with; -1 lets it decide. */
  thinkingBudget?: number;
  /** Return thought summaries as `thought: true` parts. */
  includeThoughts?: boolean;
}

/** `generationConfig`. */
export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  seed?: number;
  responseMimeType?: 'application/json';
  /** JSON Schema of the answer; needs `responseMimeType: application/json`. */
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: GeminiThinkingConfig;
}

/** The request body. The model is in the URL path, and streaming is chosen by the method, not here. */
export interface GeminiRequestBody {
  contents: GeminiContent[];
  systemInstruction?: { role: 'user'; parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: { functionCallingConfig: GeminiFunctionCallingConfig };
  generationConfig?: GeminiGenerationConfig;
}
