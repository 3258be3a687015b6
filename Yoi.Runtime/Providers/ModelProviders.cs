using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;

namespace Yoi.Runtime.Providers;

/// <summary>
/// The runtime's model providers, each an <see cref="IChatClient"/> built once from configuration: <c>scripted</c>
/// (always), <c>openai</c> (any OpenAI-compatible Chat Completions endpoint through Microsoft.Extensions.AI.OpenAI,
/// when <c>Runtime:OpenAI</c> has a base URL and a model) and <c>ollama</c> (OllamaSharp, when <c>Runtime:Ollama</c>
/// has an endpoint and a model). See docs/runtime.md.
/// </summary>
public sealed class ModelProviders : IDisposable
{
    private readonly Dictionary<string, ModelProvider> _providers = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _owned = [];

    public ModelProviders(RuntimeOptions options, TimeProvider? time = null)
    {
        Add(new ModelProvider(ProviderNames.Scripted, new ScriptedChatClient(options.Scripted, time), ReplaysHistory: false, null, null));
        if (options.OpenAI.IsConfigured) Add(OpenAi(options.OpenAI));
        if (options.Ollama.IsConfigured) Add(Ollama(options.Ollama));
    }

    /// <summary>The provider named <paramref name="name"/>, or null when it is unknown or not configured here.</summary>
    public ModelProvider? Find(string name) => _providers.GetValueOrDefault(name);

    /// <summary>Why a worker cannot be created with <paramref name="name"/>, naming it; null when it can.</summary>
    public string? Unavailable(string name) => name switch
    {
        _ when _providers.ContainsKey(name) => null,
        ProviderNames.OpenAi => "The 'openai' provider is not configured on this runtime (Runtime:OpenAI:BaseUrl and Model).",
        ProviderNames.Ollama => "The 'ollama' provider is not configured on this runtime (Runtime:Ollama:Endpoint and Model).",
        _ => $"Unknown provider '{name}'; use one of: {string.Join(", ", ProviderNames.All.Select(n => $"'{n}'"))}.",
    };

    private void Add(ModelProvider provider) => _providers[provider.Name] = provider;

    private ModelProvider OpenAi(OpenAiOptions options)
    {
        var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        var http = Own(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // the run loop applies the idle timeout
        });
        var client = new OpenAIClient(
            // A compatible server without authentication still gets a placeholder key (the client requires one).
            new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "none" : options.ApiKey),
            new OpenAIClientOptions
            {
                Endpoint = new Uri(options.BaseUrl!),
                Transport = new HttpClientPipelineTransport(http),
                RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
                NetworkTimeout = timeout + timeout, // the run loop's idle timeout answers first, with a clear message
            });
        IChatClient chat = new OpenAiStreamingToolCalls(client.GetChatClient(options.Model).AsIChatClient());
        return new ModelProvider(ProviderNames.OpenAi, chat, ReplaysHistory: true, timeout, options.ApiKey);
    }

    private ModelProvider Ollama(OllamaOptions options)
    {
        var http = Own(new HttpClient(new AbortOnCancelHandler(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }))
        {
            BaseAddress = new Uri(options.Endpoint!),
            Timeout = Timeout.InfiniteTimeSpan,
        });
        var client = Own(new OllamaApiClient(http, options.Model!));
        return new ModelProvider(ProviderNames.Ollama, new AbortOnCancelHandler.Client(client), ReplaysHistory: true,
            TimeSpan.FromSeconds(options.TimeoutSeconds), null);
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
        _owned.Clear();
    }
}
