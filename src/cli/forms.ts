/**
 * `npm run forms -- url <provider>`: what to paste into a form builder to connect it to Herald (the
 * webhook URL, the signing secret or the header with that builder's token) and the steps in its UI.
 * Reads the same settings as Herald (.env / environment); prints FORM_SECRET only for the builders
 * that sign with it (Typeform, Tally), and no other secret ever.
 */
import { pathToFileURL } from "node:url";
import { ConfigError, loadConfig, readEnv } from "../config.js";
import { FormsOffError, formInstructions, instructionsText } from "../forms/instructions.js";
import { FORM_PROVIDERS, isFormProvider } from "../forms/providers.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const USAGE = `usage: npm run forms -- url <provider>\n  providers: ${FORM_PROVIDERS.join(", ")}\n`;

/** The command without the process around it: arguments and environment in, exit code and output out. */
export function formsCli(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliResult {
  const [command, provider, ...rest] = args;
  if (command !== "url" || provider === undefined || rest.length > 0)
    return { code: 2, stdout: "", stderr: USAGE };
  const name = provider.toLowerCase();
  if (!isFormProvider(name)) {
    return {
      code: 2,
      stdout: "",
      stderr: `forms: unknown provider "${provider}": use one of ${FORM_PROVIDERS.join(", ")}.\n`,
    };
  }
  try {
    const config = loadConfig(readEnv(env, env.ENV_FILE ?? ".env"));
    const instructions = formInstructions(name, config, "en");
    return { code: 0, stdout: `${instructionsText(instructions)}\n`, stderr: "" };
  } catch (error) {
    if (error instanceof FormsOffError || error instanceof ConfigError) {
      return { code: 2, stdout: "", stderr: `${error.message}\n` };
    }
    throw error;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const result = formsCli(process.argv.slice(2), process.env);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.code;
  } catch (error) {
    process.stderr.write(`forms: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
