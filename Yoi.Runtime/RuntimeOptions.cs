using Yoi.EventLog.Storage;

namespace Yoi.Runtime;

/// <summary>
/// The <c>Runtime</c> configuration section. Bound and validated at start (<see cref="Configuration.RuntimeOptionsValidator"/>): a
/// missing or invalid setting stops the service with a message naming it. <see cref="Token"/> is a secret: it is never logged and
/// <see cref="ToString"/> leaves it out.
/// </summary>
public sealed class RuntimeOptions
{
    public const string SectionName = "Runtime";

    /// <summary><c>Runtime:Id</c> (required): the runtime id, <c>[A-Za-z0-9_-]{1,64}</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary><c>Runtime:Token</c> (required for the REST service, at least 16 characters): the bearer token.</summary>
    public string Token { get; set; } = "";

    /// <summary><c>Runtime:KeyPrefix</c>: prefix of every Redis key of this runtime.</summary>
    public string KeyPrefix { get; set; } = StreamKeys.DefaultPrefix;

    public RetentionOptions Retention { get; set; } = new();

    /// <summary><c>Runtime:DefaultProvider</c>: <c>scripted</c>, <c>openai</c> or <c>ollama</c>.</summary>
    public string DefaultProvider { get; set; } = Providers.ProviderNames.Scripted;

    public ScriptedOptions Scripted { get; set; } = new();

    public OpenAiOptions OpenAI { get; set; } = new();

    public OllamaOptions Ollama { get; set; } = new();

    /// <summary><c>Runtime:EventLogOutageLimitSeconds</c>: how long a worker's events may fail to be stored before its run fails.</summary>
    public double EventLogOutageLimitSeconds { get; set; } = 30;

    /// <summary><c>Runtime:MaxWorkers</c>: workers this runtime holds at most (stopped ones count until deleted).</summary>
    public int MaxWorkers { get; set; } = 1000;

    /// <summary><c>Runtime:MaxInputChars</c>: longest accepted input text.</summary>
    public int MaxInputChars { get; set; } = 32768;

    public TimeSpan EventLogOutageLimit => TimeSpan.FromSeconds(EventLogOutageLimitSeconds);

    public const int MinTokenLength = 16;

    public StreamRetentionSettings ToRetention() => new(Retention.MaxLength,
        Retention.MaxAgeSeconds is { } age ? TimeSpan.FromSeconds(age) : null);

    public override string ToString() => $"Runtime {{ Id = {Id}, KeyPrefix = {KeyPrefix}, DefaultProvider = {DefaultProvider} }}";
}

/// <summary>Retention as the appender applies it.</summary>
public readonly record struct StreamRetentionSettings(long MaxLength, TimeSpan? MaxAge);

public sealed class RetentionOptions
{
    /// <summary><c>Runtime:Retention:MaxLength</c>: approximate entries kept per stream (<c>MAXLEN ~</c>).</summary>
    public long MaxLength { get; set; } = 10_000;

    /// <summary><c>Runtime:Retention:MaxAgeSeconds</c>: optional age bound (<c>MINID</c>).</summary>
    public double? MaxAgeSeconds { get; set; }
}

public sealed class ScriptedOptions
{
    /// <summary><c>Runtime:Scripted:DeltaDelayMs</c>: pause between two deltas.</summary>
    public int DeltaDelayMs { get; set; } = 20;

    /// <summary><c>Runtime:Scripted:LongDeltas</c>: when positive, every reply streams at least this many text deltas.</summary>
    public int LongDeltas { get; set; }
}

public sealed class OpenAiOptions
{
    /// <summary><c>Runtime:OpenAI:BaseUrl</c>, e.g. <c>https://api.openai.com/v1</c>; requests go to <c>{BaseUrl}/chat/completions</c>.</summary>
    public string? BaseUrl { get; set; }

    /// <summary><c>Runtime:OpenAI:ApiKey</c>: sent as a bearer token; never logged or put in an error message.</summary>
    public string? ApiKey { get; set; }

    /// <summary><c>Runtime:OpenAI:Model</c>.</summary>
    public string? Model { get; set; }

    /// <summary><c>Runtime:OpenAI:TimeoutSeconds</c>: longest wait for the response and between two streamed chunks.</summary>
    public double TimeoutSeconds { get; set; } = 60;

    /// <summary><c>Runtime:OpenAI:MaxRetries</c>: retries of a failed request (HTTP 429, 5xx) by the OpenAI client, with its backoff.</summary>
    public int MaxRetries { get; set; }

    public bool IsConfigured => !string.IsNullOrEmpty(BaseUrl) && !string.IsNullOrEmpty(Model);
}

public sealed class OllamaOptions
{
    /// <summary><c>Runtime:Ollama:Endpoint</c>, e.g. <c>http://localhost:11434</c>; requests go to <c>{Endpoint}/api/chat</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>Runtime:Ollama:Model</c>, e.g. <c>llama3.2</c>.</summary>
    public string? Model { get; set; }

    /// <summary><c>Runtime:Ollama:TimeoutSeconds</c>: longest wait for the response (a model load included) and between two streamed chunks.</summary>
    public double TimeoutSeconds { get; set; } = 300;

    public bool IsConfigured => !string.IsNullOrEmpty(Endpoint) && !string.IsNullOrEmpty(Model);
}
