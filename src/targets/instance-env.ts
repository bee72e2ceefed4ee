/**
 * The environment an instance starts with. The server's own environment holds its secrets
 * (DATABASE_URL, tokens, cloud credentials): only the few variables a program needs to run are
 * passed on, then the revision's config, then PORT and SHIPGATE_VERSION.
 */

/** Variables taken from the server's environment when set. */
export const INHERITED_ENV = ['PATH', 'HOME', 'PORT', 'TZ', 'LANG'] as const;

/**
 * Config keys refused in a release: each makes the loader or an interpreter run code of the
 * releaser's choice (LD_PRELOAD=/tmp/x.so, NODE_OPTIONS=--require …) inside the admin's command,
 * or changes which program the command names (PATH). PORT and SHIPGATE_VERSION are set by the
 * target.
 */
const DENIED_CONFIG = [
  /^LD_/,
  /^DYLD_/,
  /^(PATH|IFS|ENV|BASH_ENV|SHELLOPTS|BASHOPTS|PS4|GCONV_PATH|HOSTALIASES|LOCPATH|MALLOC_.*|GLIBC_TUNABLES)$/,
  /^NODE_(OPTIONS|PATH|EXTRA_CA_CERTS|REPL_EXTERNAL_MODULE)$/,
  /^(PYTHONPATH|PYTHONSTARTUP|PYTHONHOME|PYTHONINSPECT|PERL5LIB|PERL5OPT|PERLLIB|RUBYOPT|RUBYLIB|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|CLASSPATH)$/,
  /^(PORT|SHIPGATE_VERSION)$/,
];

/** Why a config key may not be set on a release, or undefined when it may. */
export function configKeyProblem(key: string): string | undefined {
  if (DENIED_CONFIG.some((re) => re.test(key))) {
    return `"${key}" decides what code the instance loads or is set by the target, so a release may not set it`;
  }
  return undefined;
}

/**
 * Builds an instance's environment: {@link INHERITED_ENV} from `serverEnv`, the revision's config
 * (minus denied keys, which an old stored revision may still hold), then PORT and SHIPGATE_VERSION.
 * @param port the instance's TCP port.
 */
export function instanceEnvironment(serverEnv: NodeJS.ProcessEnv, config: Record<string, string>, port: number, version: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of INHERITED_ENV) {
    const v = serverEnv[k];
    if (v !== undefined) env[k] = v;
  }
  for (const [k, v] of Object.entries(config)) if (!configKeyProblem(k)) env[k] = v;
  env.PORT = String(port);
  env.SHIPGATE_VERSION = version;
  return env;
}
