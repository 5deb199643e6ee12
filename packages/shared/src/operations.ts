/**
 * What a user may ask of a plugin: POST /api/v1/plugins/{id}/{operation}. The state machine says
 * when. A module of its own, with no imports, because the validation rules (reserved route words)
 * need it too and must not pull in the API schemas built on top of them.
 */
export const PLUGIN_OPERATIONS = ['load', 'unload', 'reload', 'enable', 'disable'] as const;
