// A minimal VS Code client for `asynclint server` (LSP over stdio).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("asynclint").get("command");
  client = new LanguageClient(
    "asynclint",
    "asynclint",
    { command, args },
    { documentSelector: [{ scheme: "file", language: "python" }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
