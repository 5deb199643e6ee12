import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';
import ts from 'typescript';
import { repoRoot } from './helpers.js';

const SDK = path.join(repoRoot, 'packages/shared/src/plugin-sdk.ts');

/**
 * The text of templates/oko-plugin.d.ts, which `oko-plugin init --ts` copies into a plugin: the
 * declarations of packages/shared/src/plugin-sdk.ts with its two imported types (PluginManifest and
 * UiConfig, TypeBox `Static<>` types) written out by the compiler, so the file stands alone: a
 * plugin needs neither @oko/shared nor typebox to compile against it.
 */
export async function generateSdkTypes(): Promise<string> {
  const program = ts.createProgram([SDK], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(SDK)!;
  const expanded: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      const symbol = checker.getAliasedSymbol(checker.getSymbolAtLocation(element.name)!);
      const type = checker.typeToString(
        checker.getDeclaredTypeOfSymbol(symbol),
        undefined,
        ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias,
      );
      expanded.push(`export type ${element.name.text} = ${type.replace(/ \| undefined/g, '')};`);
    }
  }
  const text = await readFile(SDK, 'utf8');
  const body = text.replace(/^import [^;]+;\n/gm, '').trimStart();
  const header = [
    '// Types of the OKO Dashboard plugin API, for a plugin written in TypeScript; `oko-plugin init --ts`',
    '// copies this file. Generated from packages/shared/src/plugin-sdk.ts of the OKO repository (by',
    '// packages/cli/test/sdk-types.ts): do not edit; a newer `oko-plugin` brings the newer file.',
  ].join('\n');
  const options = await prettier.resolveConfig(path.join(repoRoot, 'packages/cli/templates/oko-plugin.d.ts'));
  return prettier.format(`${header}\n\n${expanded.join('\n\n')}\n\n${body}`, { ...options, parser: 'typescript' });
}
