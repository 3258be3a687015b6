namespace Yoi.Runtime.Providers;

/// <summary>The built-in model providers a worker can be created with (see docs/runtime.md).</summary>
public static class ProviderNames
{
    public const string Scripted = "scripted";
    public const string OpenAi = "openai";
    public const string Ollama = "ollama";

    public static IReadOnlyList<string> All { get; } = [Scripted, OpenAi, Ollama];

    public static bool IsKnown(string? name) => name is Scripted or OpenAi or Ollama;
}
