/**
 * `npm run link -- <answerId> [...]`: the signed deep link for form answers, as the form site's
 * thank-you page shows it. Reads the same settings as Herald (.env / environment); asks Telegram
 * for the bot's username unless `--bot <username>` is given.
 */
import { Api } from "grammy";
import { createDeepLinks, InvalidAnswerIdError } from "../audience/deep-links.js";
import { ConfigError, loadConfig, readEnv } from "../config.js";

async function main(args: string[]): Promise<number> {
  const botFlag = args.indexOf("--bot");
  const botUsername = botFlag >= 0 ? args[botFlag + 1] : undefined;
  const answerIds = args.filter((arg, i) => !arg.startsWith("--") && i !== botFlag + 1);
  if (answerIds.length === 0 || (botFlag >= 0 && !botUsername)) {
    process.stderr.write("usage: npm run link -- <answerId> [<answerId> ...] [--bot <bot_username>]\n");
    return 2;
  }

  const config = loadConfig(readEnv(process.env, process.env.ENV_FILE ?? ".env"));
  const deepLinks = createDeepLinks({ secret: config.deeplinkSecret, signing: config.deeplinkSigning });
  const username =
    botUsername ?? (await new Api(config.botToken, { apiRoot: config.botApiRoot }).getMe()).username;

  let failures = 0;
  for (const answerId of answerIds) {
    try {
      process.stdout.write(`${answerId}\t${deepLinks.answerLink(username, answerId)}\n`);
    } catch (error) {
      if (!(error instanceof InvalidAnswerIdError)) throw error;
      process.stderr.write(`${error.message}\n`);
      failures++;
    }
  }
  return failures === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof ConfigError ? error.message : `link: ${(error as Error).message ?? error}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
