// Every type named in a public signature can be imported by the user: walks the declarations of
// each entry point (wsat, wsat/codec) with the TypeScript compiler and checks that every
// interface, type alias, class or enum they reference, declared in this package, is exported by
// that same entry point.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
const DIST = join(ROOT, "dist", "src");

function unexportedTypes(entry: string): string[] {
  const program = ts.createProgram([entry], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts"],
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules", "@types")],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry)!;
  const moduleSymbol = checker.getSymbolAtLocation(source)!;
  const exported = new Set<ts.Symbol>();
  for (const s of checker.getExportsOfModule(moduleSymbol)) {
    exported.add(s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  }
  const missing = new Map<string, string>();
  const visited = new Set<ts.Node>();
  const ours = (d: ts.Declaration) => d.getSourceFile().fileName.startsWith(DIST);
  const visit = (node: ts.Node, where: string): void => {
    if (visited.has(node)) return;
    visited.add(node);
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : node.expression;
      let sym = checker.getSymbolAtLocation(name);
      if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
      const decl = sym?.declarations?.[0];
      // Types in `declare global` (our WebAssembly shapes) are reachable by their global names.
      const global = decl !== undefined && decl.parent !== undefined && ts.isModuleBlock(decl.parent) && ts.isModuleDeclaration(decl.parent.parent) &&
        (decl.parent.parent.flags & ts.NodeFlags.GlobalAugmentation || ts.isModuleBlock(decl.parent.parent.parent) && ts.isModuleDeclaration(decl.parent.parent.parent.parent) && !!(decl.parent.parent.parent.parent.flags & ts.NodeFlags.GlobalAugmentation));
      if (sym && decl && ours(decl) && !global && !(sym.flags & ts.SymbolFlags.TypeParameter)) {
        const isType = sym.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class | ts.SymbolFlags.Enum);
        // A local alias of a keyword type (`type Rejection = any`) names nothing a user must import.
        const keywordAlias = sym.flags & ts.SymbolFlags.TypeAlias && ts.isTypeAliasDeclaration(decl) && ts.isToken(decl.type);
        if (isType && !keywordAlias && !exported.has(sym)) missing.set(sym.getName(), where);
        if (isType) for (const d of sym.declarations ?? []) visit(d, `${where} > ${sym.getName()}`);
      }
    }
    // Private members are not part of the public surface.
    if ((ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node)) && node.modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) return;
    ts.forEachChild(node, (c) => visit(c, where));
  };
  for (const s of exported) for (const d of s.declarations ?? []) if (ours(d)) visit(d, s.getName());
  return [...missing].map(([name, where]) => `${name} (used by ${where})`).sort();
}

for (const entry of ["index.d.ts", "codec/index.d.ts"]) {
  test(`every type in a public signature of ${entry} is exported`, () => {
    assert.deepEqual(unexportedTypes(join(DIST, entry)), []);
  });
}
