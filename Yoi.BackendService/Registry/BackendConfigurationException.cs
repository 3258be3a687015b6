namespace Yoi.BackendService.Registry;

/// <summary>A setting is missing or invalid; the message names it. The service stops at start (SPEC 8).</summary>
public sealed class BackendConfigurationException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
