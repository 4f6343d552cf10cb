/**
 * Identity templating in policy path patterns, as Vault does it:
 * `path "identity/entity/id/{{identity.entity.id}}"`. A templated policy is stored as written and
 * rendered for each token from the caller's entity; a path whose template cannot be filled (no
 * entity, unknown alias or metadata key) is left out of that token's ACL.
 */

/** The identity facts a template may refer to. */
export interface TemplateIdentity {
  readonly entity?: {
    readonly id: string;
    readonly name: string;
    readonly metadata?: Readonly<Record<string, string>>;
    /** Aliases keyed by the accessor of their auth mount. */
    readonly aliases?: Readonly<
      Record<
        string,
        { readonly id: string; readonly name: string; readonly metadata?: Readonly<Record<string, string>> }
      >
    >;
  };
  readonly groups?: readonly {
    readonly id: string;
    readonly name: string;
    readonly metadata?: Readonly<Record<string, string>>;
  }[];
}

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;

const FORMS: readonly RegExp[] = [
  /^identity\.entity\.(id|name)$/,
  /^identity\.entity\.metadata\.[^.]+$/,
  /^identity\.entity\.aliases\.[^.]+\.(id|name)$/,
  /^identity\.entity\.aliases\.[^.]+\.metadata\.[^.]+$/,
  /^identity\.groups\.(ids|names)\.[^.]+\.(id|name)$/,
  /^identity\.groups\.(ids|names)\.[^.]+\.metadata\.[^.]+$/,
];

/**
 * Says whether `text` holds identity templates, and checks their syntax. Returns an error message
 * for a malformed or unknown template, else whether any template is present.
 */
export function checkTemplates(text: string): { templated: boolean; error?: string } {
  const stripped = text.replace(TEMPLATE, '');
  if (stripped.includes('{{') || stripped.includes('}}'))
    return { templated: false, error: 'unbalanced "{{" / "}}" in template' };
  let templated = false;
  for (const m of text.matchAll(TEMPLATE)) {
    templated = true;
    const expr = m[1] ?? '';
    if (!FORMS.some((re) => re.test(expr))) {
      return {
        templated,
        error: `unknown template "{{${expr}}}"; supported: identity.entity.{id,name,metadata.<key>,aliases.<accessor>.{id,name,metadata.<key>}}, identity.groups.{ids,names}.<group>.{id,name,metadata.<key>}`,
      };
    }
  }
  return { templated };
}

/**
 * Fills the templates in `text`, or returns undefined when one of them has no value for this
 * identity, or a value holding `*` or `+` (which would turn a caller's name into a wildcard).
 */
export function renderTemplates(text: string, identity: TemplateIdentity | undefined): string | undefined {
  const missing: string[] = [];
  const out = text.replace(TEMPLATE, (_whole, expr: string) => {
    const value = lookup(expr.split('.'), identity);
    if (value === undefined || value === '' || /[*+]/.test(value)) missing.push(expr);
    return value ?? '';
  });
  return missing.length > 0 ? undefined : out;
}

function lookup(parts: readonly string[], identity: TemplateIdentity | undefined): string | undefined {
  const [, scope, ...rest] = parts;
  if (scope === 'entity') {
    const entity = identity?.entity;
    if (entity === undefined) return undefined;
    const [field, key, sub, subKey] = rest;
    if (field === 'id') return entity.id;
    if (field === 'name') return entity.name;
    if (field === 'metadata') return key === undefined ? undefined : entity.metadata?.[key];
    if (field !== 'aliases' || key === undefined) return undefined;
    const alias = entity.aliases?.[key];
    if (alias === undefined) return undefined;
    if (sub === 'id') return alias.id;
    if (sub === 'name') return alias.name;
    return sub === 'metadata' && subKey !== undefined ? alias.metadata?.[subKey] : undefined;
  }
  if (scope === 'groups') {
    const [by, key, field, metaKey] = rest;
    const group = identity?.groups?.find((g) => (by === 'ids' ? g.id === key : g.name === key));
    if (group === undefined) return undefined;
    if (field === 'id') return group.id;
    if (field === 'name') return group.name;
    return field === 'metadata' && metaKey !== undefined ? group.metadata?.[metaKey] : undefined;
  }
  return undefined;
}
