namespace Yoi.Runtime;
internal static class RuntimePlaceholder;
