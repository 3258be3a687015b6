using Microsoft.Extensions.AI;

namespace Yoi.Runtime.Providers;

/// <summary>
/// A configured model provider: its <see cref="IChatClient"/> and how the run loop treats it.
/// </summary>
/// <param name="Name">One of <see cref="ProviderNames"/>.</param>
/// <param name="Client">The chat client; its tools are never invoked by it (the run loop does that).</param>
/// <param name="ReplaysHistory">Whether a run sends the worker's earlier conversation (rebuilt from its transcript);
/// false for the scripted client, which answers the new input only.</param>
/// <param name="IdleTimeout">Longest wait for the response and between two streamed updates; null for none.</param>
/// <param name="Secret">Text that must never appear in an error message (the API key).</param>
public sealed record ModelProvider(string Name, IChatClient Client, bool ReplaysHistory, TimeSpan? IdleTimeout, string? Secret);
