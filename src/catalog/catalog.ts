import { bedrockModelId } from './bedrock-profile.js';
import type { CatalogHost, CatalogModel, HostKind, ModelCapabilities, TokenPrice } from './catalog-types.js';

/** How a configured provider is described to {@link Catalog.hostFor}. */
export interface ProviderDescription {
  /** The provider's name in the config. */
  name: string;
  /** Its `protocol:`. */
  kind: string;
  /** Its base URL, when it has one. */
  baseUrl?: string;
}

/** The model catalog, loaded and validated: look models up by Detour's name. */
export class Catalog {
  private readonly models: Map<string, CatalogModel>;
  private readonly hosts: Map<string, CatalogHost>;

  constructor(models: readonly CatalogModel[], hosts: readonly CatalogHost[]) {
    this.models = new Map(models.map((model) => [model.name, model]));
    this.hosts = new Map(hosts.map((host) => [host.name, host]));
  }

  /** A model by name, or undefined when the catalog does not know it. */
  get(name: string): CatalogModel | undefined {
    return this.models.get(name);
  }

  /** Every model, in file order. */
  list(): CatalogModel[] {
    return [...this.models.values()];
  }

  /** Every host, in file order. */
  listHosts(): CatalogHost[] {
    return [...this.hosts.values()];
  }

  /** A host by name. */
  host(name: string): CatalogHost | undefined {
    return this.hosts.get(name);
  }

  /** The hosts that serve a model, in the order its `ids` list them. */
  hostsOf(name: string): CatalogHost[] {
    const model = this.models.get(name);
    if (model === undefined) return [];
    return Object.keys(model.ids).flatMap((host) => {
      const found = this.hosts.get(host);
      return found === undefined ? [] : [found];
    });
  }

  /**
   * The model's id at a host, or undefined when the host does not serve it. On Bedrock, with a
   * `region`, the id carries the inference profile prefix the model needs there.
   */
  idAt(name: string, host: string, region?: string): string | undefined {
    const model = this.models.get(name);
    const id = model?.ids[host];
    if (model === undefined || id === undefined) return undefined;
    if (this.hosts.get(host)?.kind === 'bedrock' && region !== undefined) {
      return bedrockModelId(id, model.bedrockProfiles, region);
    }
    return id;
  }

  /** The model's price at a host (its own price unless the host charges otherwise); undefined when not served there. */
  priceAt(name: string, host: string): TokenPrice | undefined {
    const model = this.models.get(name);
    if (model === undefined || model.ids[host] === undefined) return undefined;
    return model.hostPrices[host] ?? model.price;
  }

  /**
   * The model a host calls by `id`, or undefined. A Bedrock inference profile prefix (`us.`,
   * `eu.`, `apac.`, `global.`) is looked through to the base id.
   */
  modelAt(host: string, id: string): CatalogModel | undefined {
    const bedrock = this.hosts.get(host)?.kind === 'bedrock';
    const baseId = bedrock ? id.replace(/^(us|us-gov|eu|apac|jp|au|ca|global)\./, '') : id;
    return this.list().find((model) => model.ids[host] === baseId);
  }

  /** What the model can do. */
  capabilitiesOf(name: string): ModelCapabilities | undefined {
    return this.models.get(name)?.capabilities;
  }

  /** The model's context window, in tokens. */
  contextWindowOf(name: string): number | undefined {
    return this.models.get(name)?.contextWindow;
  }

  /** The model's longest answer, in tokens. */
  maxOutputOf(name: string): number | undefined {
    return this.models.get(name)?.maxOutput;
  }

  /**
   * The catalog host a configured provider is: the only host of its kind (Bedrock, Vertex, ...),
   * else the one whose base URL's origin it shares (api.groq.com is `groq`), else the one named
   * like the provider. Undefined when none fits (a self-hosted OpenAI-compatible server).
   */
  hostFor(provider: ProviderDescription): CatalogHost | undefined {
    const ofKind = this.listHosts().filter((host) => host.kind === (provider.kind as HostKind));
    if (ofKind.length === 1) return ofKind[0];
    const origin = originOf(provider.baseUrl);
    const byUrl = origin === undefined ? undefined : ofKind.find((host) => originOf(host.baseUrl) === origin);
    return byUrl ?? ofKind.find((host) => host.name === provider.name);
  }
}

function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
