// Finds every error `code` the sources can raise, by reading them with the TypeScript compiler
// (not a regex): each `new C(...)` and `super(...)` of a class in the WsatError hierarchy, with the
// code taken from the argument in the position of the constructor's `code` parameter (its default
// when the argument is left out). A helper that forwards one of its own parameters as the code
// (`private protocolError(code: string, ...) { new AtProtocolError(code, ...) }`) is followed: each
// call of it in the same file is a code site. Any other code that is not a string literal (or a
// ?: of literals) cannot be checked, so it is reported as dynamic with its place.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

export interface CodeUse {
  code: string;
  /** The error class constructed. */
  cls: string;
  /** "src/ws/http-head.ts:123" */
  where: string;
}

export interface DynamicUse {
  cls: string;
  where: string;
  text: string;
}

export interface ScanResult {
  uses: CodeUse[];
  dynamic: DynamicUse[];
  /** Each error class with its parent, as declared. */
  classes: Map<string, string>;
}

function listTs(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listTs(p, out);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

interface ClassInfo {
  parent: string;
  /** Index of the constructor's `code` parameter, -1 when it has none, undefined without a constructor. */
  codeIndex: number | undefined;
  codeDefault: string | undefined;
  /** The name of that parameter, to ignore it being forwarded to super(). */
  codeParam: string | undefined;
}

export function scanThrownCodes(root: string): ScanResult {
  const files = listTs(join(root, "src")).map((path) => ({
    path,
    sf: ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2022, true),
  }));
  // 1. The error classes: WsatError and everything that extends it (transitively), by name.
  const declared = new Map<string, ClassInfo>();
  for (const { sf } of files) {
    const visit = (node: ts.Node): void => {
      if (ts.isClassDeclaration(node) && node.name) {
        const ext = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
        const parent = ext ? ext.expression.getText(sf) : "";
        const ctor = node.members.find(ts.isConstructorDeclaration);
        let codeIndex: number | undefined;
        let codeDefault: string | undefined;
        let codeParam: string | undefined;
        if (ctor) {
          codeIndex = ctor.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === "code");
          if (codeIndex >= 0) {
            const p = ctor.parameters[codeIndex];
            codeParam = "code";
            if (p.initializer && ts.isStringLiteral(p.initializer)) codeDefault = p.initializer.text;
          }
        }
        declared.set(node.name.text, { parent, codeIndex, codeDefault, codeParam });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  const isError = (name: string, depth = 0): boolean =>
    name === "WsatError" || (depth < 20 && declared.has(name) && isError(declared.get(name)!.parent, depth + 1));
  const classes = new Map<string, string>();
  for (const [name, info] of declared) if (isError(name)) classes.set(name, info.parent);
  /** The constructor that applies to `new name(...)`: its own, or the nearest parent's. */
  const ctorOf = (name: string): ClassInfo | undefined => {
    let c = declared.get(name);
    for (let i = 0; c && c.codeIndex === undefined && i < 20; i++) c = declared.get(c.parent);
    return c;
  };

  const uses: CodeUse[] = [];
  const dynamic: DynamicUse[] = [];
  for (const { path, sf } of files) {
    const rel = relative(root, path);
    const where = (n: ts.Node) => `${rel}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    const literals = (e: ts.Expression): string[] | null => {
      if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
      if (ts.isParenthesizedExpression(e)) return literals(e.expression);
      if (ts.isConditionalExpression(e)) {
        const a = literals(e.whenTrue), b = literals(e.whenFalse);
        return a && b ? [...a, ...b] : null;
      }
      return null;
    };
    /** Helpers of this file that forward a parameter as the code: name -> parameter index and class. */
    const helpers = new Map<string, { index: number; cls: string }>();
    const enclosingFunction = (n: ts.Node): ts.SignatureDeclaration | undefined => {
      for (let p = n.parent; p; p = p.parent) {
        if (ts.isFunctionDeclaration(p) || ts.isMethodDeclaration(p) || ts.isArrowFunction(p) || ts.isFunctionExpression(p)) return p;
      }
      return undefined;
    };
    const helperName = (fn: ts.SignatureDeclaration): string | undefined => {
      if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn)) && fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
      if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) return fn.parent.name.text;
      return undefined;
    };
    const record = (cls: string, info: ClassInfo, args: readonly ts.Expression[], at: ts.Node, forwarded?: string) => {
      if (info.codeIndex === undefined || info.codeIndex < 0) return;
      const arg = args[info.codeIndex];
      if (!arg) {
        if (info.codeDefault) uses.push({ code: info.codeDefault, cls, where: where(at) });
        return;
      }
      const lits = literals(arg);
      if (lits) {
        for (const code of lits) uses.push({ code, cls, where: where(at) });
        return;
      }
      if (forwarded && ts.isIdentifier(arg) && arg.text === forwarded) return;
      if (ts.isIdentifier(arg)) {
        const fn = enclosingFunction(at);
        const index = fn ? fn.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === arg.text) : -1;
        const name = fn && helperName(fn);
        if (fn && index >= 0 && name) {
          helpers.set(name, { index, cls });
          return;
        }
      }
      dynamic.push({ cls, where: where(at), text: arg.getText(sf) });
    };
    const visit = (node: ts.Node, inClass: string | undefined): void => {
      if (ts.isClassDeclaration(node) && node.name) {
        ts.forEachChild(node, (n) => visit(n, node.name!.text));
        return;
      }
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && classes.has(node.expression.text)) {
        const cls = node.expression.text;
        const info = ctorOf(cls);
        if (info) record(cls, info, node.arguments ?? [], node);
      }
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword && inClass && classes.has(inClass)) {
        const parent = declared.get(inClass)!.parent;
        const info = ctorOf(parent);
        const own = declared.get(inClass)!;
        if (info) record(inClass, info, node.arguments, node, own.codeParam);
      }
      ts.forEachChild(node, (n) => visit(n, inClass));
    };
    visit(sf, undefined);
    // calls of the code-forwarding helpers: `name(...)`, `this.name(...)`, `x.name(...)`
    if (helpers.size) {
      const calls = (node: ts.Node): void => {
        if (ts.isCallExpression(node)) {
          const callee = node.expression;
          const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
          const h = name !== undefined ? helpers.get(name) : undefined;
          if (h) {
            const arg = node.arguments[h.index];
            const lits = arg ? literals(arg) : null;
            if (lits) for (const code of lits) uses.push({ code, cls: h.cls, where: where(node) });
            else dynamic.push({ cls: h.cls, where: where(node), text: arg ? arg.getText(sf) : `(no argument ${h.index} to ${name})` });
          }
        }
        ts.forEachChild(node, calls);
      };
      calls(sf);
    }
  }
  return { uses, dynamic, classes };
}
