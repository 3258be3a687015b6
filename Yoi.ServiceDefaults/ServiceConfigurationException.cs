namespace Yoi.ServiceDefaults;

/// <summary>
/// A setting the service defaults read is invalid. Thrown by <see cref="ServiceDefaultsRegistration.AddServiceDefaults"/>
/// while the host is built, so the service stops at start; <see cref="Exception.Message"/> names the setting and says
/// what it must be, and <see cref="Setting"/> is its name.
/// </summary>
public sealed class ServiceConfigurationException(string setting, string message) : InvalidOperationException(message)
{
    public string Setting { get; } = setting;
}
