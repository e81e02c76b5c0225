/**
 * nanobot v0.3's provider registry (`nanobot/providers/registry.py`), as facts: the config
 * name, how the provider is reached, its default endpoint, the model-name keywords that pick
 * it, and the headers nanobot always sends. Order is nanobot's match priority.
 *
 * `backend`: `openai` (Chat Completions through the openai SDK), `anthropic` (Messages API
 * through the Anthropic SDK), `azure` (the openai SDK's AzureOpenAI client), or `unsupported`
 * (nanobot reaches it through a native API or an OAuth login this cluster does not have).
 */
export type ProviderBackend = 'openai' | 'anthropic' | 'azure' | 'unsupported';

export type ProviderSpec = {
  name: string;
  backend: ProviderBackend;
  keywords: readonly string[];
  /** Where requests go when `apiBase` is not set; none means `apiBase` is required. */
  defaultApiBase?: string;
  /** A local server: no key needed. */
  local?: boolean;
  /** The user supplies endpoint (and maybe key): no key check. */
  direct?: boolean;
  /** A gateway routes any model; nanobot strips any `vendor/` prefix for these. */
  stripModelPrefix?: boolean;
  /** Headers nanobot sends to this provider whatever the config says (config headers win). */
  defaultHeaders?: Readonly<Record<string, string>>;
  /** Why this cluster cannot reach it (backend `unsupported`). */
  unsupportedReason?: string;
};

const spec = (name: string, backend: ProviderBackend, keywords: readonly string[], rest: Omit<ProviderSpec, 'name' | 'backend' | 'keywords'> = {}): ProviderSpec => ({
  name,
  backend,
  keywords,
  ...rest,
});

const oauth = 'it signs in with OAuth, which this cluster does not do';

export const providerRegistry: readonly ProviderSpec[] = [
  spec('custom', 'openai', [], { direct: true }),
  spec('azure_openai', 'azure', ['azure', 'azure-openai'], { direct: true }),
  spec('bedrock', 'unsupported', ['bedrock'], { unsupportedReason: "it needs AWS Bedrock's Converse API, which this cluster does not speak" }),
  spec('openrouter', 'openai', ['openrouter'], { defaultApiBase: 'https://openrouter.ai/api/v1' }),
  spec('opencode', 'openai', ['opencode/', 'opencode', 'opencode-zen', 'opencode_zen'], { defaultApiBase: 'https://opencode.ai/zen/v1' }),
  spec('opencode_zen', 'openai', ['opencode/', 'opencode_zen', 'opencode-zen'], { defaultApiBase: 'https://opencode.ai/zen/v1' }),
  spec('opencode_go', 'openai', ['opencode-go', 'opencode_go'], { defaultApiBase: 'https://opencode.ai/zen/go/v1' }),
  spec('huggingface', 'openai', ['huggingface', 'hugging-face'], { defaultApiBase: 'https://router.huggingface.co/v1' }),
  spec('skywork', 'openai', ['skywork', 'skyclaw', 'apifree'], { defaultApiBase: 'https://api.apifree.ai/agent/v1' }),
  spec('aihubmix', 'openai', ['aihubmix'], { defaultApiBase: 'https://aihubmix.com/v1', stripModelPrefix: true }),
  spec('siliconflow', 'openai', ['siliconflow'], { defaultApiBase: 'https://api.siliconflow.cn/v1' }),
  spec('novita', 'openai', ['novita'], { defaultApiBase: 'https://api.novita.ai/openai' }),
  spec('volcengine', 'openai', ['volcengine', 'volces', 'ark'], { defaultApiBase: 'https://ark.cn-beijing.volces.com/api/v3' }),
  spec('volcengine_coding_plan', 'openai', ['volcengine-plan'], { defaultApiBase: 'https://ark.cn-beijing.volces.com/api/coding/v3', stripModelPrefix: true }),
  spec('byteplus', 'openai', ['byteplus'], { defaultApiBase: 'https://ark.ap-southeast.bytepluses.com/api/v3', stripModelPrefix: true }),
  spec('byteplus_coding_plan', 'openai', ['byteplus-plan'], { defaultApiBase: 'https://ark.ap-southeast.bytepluses.com/api/coding/v3', stripModelPrefix: true }),
  spec('anthropic', 'anthropic', ['anthropic', 'claude'], { defaultApiBase: 'https://api.anthropic.com' }),
  spec('openai', 'openai', ['openai', 'gpt'], { defaultApiBase: 'https://api.openai.com/v1' }),
  spec('openai_codex', 'unsupported', ['openai-codex'], { unsupportedReason: oauth }),
  spec('xai_grok', 'unsupported', ['xai-grok', 'xai_grok'], { unsupportedReason: oauth }),
  spec('github_copilot', 'unsupported', ['github_copilot', 'copilot'], { unsupportedReason: oauth }),
  spec('deepseek', 'openai', ['deepseek'], { defaultApiBase: 'https://api.deepseek.com' }),
  spec('gemini', 'openai', ['gemini', 'gemma'], { defaultApiBase: 'https://generativelanguage.googleapis.com/v1beta/openai/' }),
  spec('zhipu', 'openai', ['zhipu', 'glm', 'zai'], { defaultApiBase: 'https://open.bigmodel.cn/api/paas/v4' }),
  spec('dashscope', 'openai', ['qwen', 'dashscope'], { defaultApiBase: 'https://dashscope.aliyuncs.com/compatible-mode/v1' }),
  spec('modelscope', 'openai', ['modelscope'], { defaultApiBase: 'https://api-inference.modelscope.cn/v1' }),
  spec('moonshot', 'openai', ['moonshot', 'kimi'], { defaultApiBase: 'https://api.moonshot.ai/v1' }),
  spec('kimi_coding', 'anthropic', ['kimi-coding', 'kimi_coding', 'kimi-for-coding'], {
    defaultApiBase: 'https://api.kimi.com/coding/v1',
    // Kimi's coding plan only answers coding agents it recognises (nanobot sends the same).
    defaultHeaders: { 'User-Agent': 'claude-code/0.1.0' },
  }),
  spec('minimax', 'openai', ['minimax'], { defaultApiBase: 'https://api.minimax.io/v1' }),
  spec('minimax_anthropic', 'anthropic', ['minimax_anthropic'], { defaultApiBase: 'https://api.minimax.io/anthropic' }),
  spec('mistral', 'openai', ['mistral', 'magistral', 'ministral', 'codestral', 'devstral'], { defaultApiBase: 'https://api.mistral.ai/v1' }),
  spec('stepfun', 'openai', ['stepfun', 'step'], { defaultApiBase: 'https://api.stepfun.com/v1' }),
  spec('xiaomi_mimo', 'openai', ['xiaomi_mimo', 'mimo'], { defaultApiBase: 'https://api.xiaomimimo.com/v1' }),
  spec('longcat', 'openai', ['longcat'], { defaultApiBase: 'https://api.longcat.chat/openai/v1' }),
  spec('ant_ling', 'openai', ['ant_ling', 'ant-ling', 'ling-', 'ring-'], { defaultApiBase: 'https://api.ant-ling.com/v1' }),
  spec('vllm', 'openai', ['vllm'], { local: true }),
  spec('ollama', 'openai', ['ollama', 'nemotron'], { local: true, defaultApiBase: 'http://localhost:11434/v1' }),
  spec('lm_studio', 'openai', ['lm-studio', 'lmstudio', 'lm_studio'], { local: true, defaultApiBase: 'http://localhost:1234/v1' }),
  spec('atomic_chat', 'openai', ['atomic-chat', 'atomic_chat', 'atomicchat'], { local: true, defaultApiBase: 'http://localhost:1337/v1' }),
  spec('ovms', 'openai', ['openvino', 'ovms'], { local: true, direct: true, defaultApiBase: 'http://localhost:8000/v3' }),
  spec('nvidia', 'openai', ['nvidia', 'nemotron', 'nvapi'], { defaultApiBase: 'https://integrate.api.nvidia.com/v1' }),
  spec('groq', 'openai', ['groq'], { defaultApiBase: 'https://api.groq.com/openai/v1' }),
  spec('assemblyai', 'unsupported', ['assemblyai'], { unsupportedReason: 'it only transcribes speech' }),
  spec('qianfan', 'openai', ['qianfan', 'ernie'], { defaultApiBase: 'https://qianfan.baidubce.com/v2' }),
];

/** `azureOpenai`, `azure-openai` and `azure_openai` are one provider, as in nanobot (pydantic aliases). */
export function toProviderKey(name: string): string {
  return name
    .replace(/-/g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export function findProviderSpec(name: string): ProviderSpec | undefined {
  const key = toProviderKey(name);
  return providerRegistry.find((entry) => entry.name === key);
}
