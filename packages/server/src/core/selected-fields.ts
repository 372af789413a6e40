import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The names of the fields selected directly in these selection sets, through inline and named fragments (each
 * named fragment walked once). `@skip`/`@include` are not evaluated: every caller wants what the document names.
 */
export function selectedFieldNames(
  selectionSets: ReadonlyArray<SelectionSetNode | undefined>,
  fragmentNamed: (name: string) => FragmentDefinitionNode | undefined,
): Set<string> {
  const fields = new Set<string>();
  const seen = new Set<string>();
  const visit = (selectionSet: SelectionSetNode | undefined) => {
    if (!selectionSet) return;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) fields.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        visit(fragmentNamed(selection.name.value)?.selectionSet);
      }
    }
  };
  for (const selectionSet of selectionSets) visit(selectionSet);
  return fields;
}

/**
 * Whether the query asks for `name` directly under the field being resolved (through fragments too): a list's
 * totalCount costs a count, which a picker that only pages through names does not need.
 */
export function selectsField(info: GraphQLResolveInfo | undefined, name: string): boolean {
  if (!info?.fieldNodes) return true;
  return selectedFieldNames(
    info.fieldNodes.map((node) => node.selectionSet),
    (fragment) => info.fragments?.[fragment],
  ).has(name);
}
