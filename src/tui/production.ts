/**
 * React and its reconciler choose their build from NODE_ENV when they are first loaded. The
 * development build checks and records every render and costs several times more CPU per
 * frame, CPU that generation needs, so the chat uses the production build unless asked not to.
 * Imported first by start.ts, before Ink or React.
 */
process.env.NODE_ENV ??= "production";

export {};
