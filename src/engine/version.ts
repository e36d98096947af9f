/** The engine's version, recorded in every manifest so results can be traced to the code. */
export const ENGINE_VERSION = '0.1.0';
