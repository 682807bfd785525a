using System.Collections;
using System.Globalization;
using System.Reflection;

namespace AgentBus.Server.Hosting;

/// <summary>
/// Refuses configuration keys the broker's options do not have. The binder ignores an unknown key, so a misspelt
/// <c>--Server:Prot=1234</c> would leave the broker on its default port with no word said; this names the key, the
/// keys known at that place and the likely intended one.
/// </summary>
internal static class ConfigurationKeyCheck
{
    /// <summary>Throws when <paramref name="section"/> holds a key none of <paramref name="types"/> binds.</summary>
    /// <param name="section">A section the broker binds (<c>Server</c>, <c>Broker</c>).</param>
    /// <param name="types">The option types bound from that section.</param>
    /// <exception cref="ArgumentException">A key is unknown; the message names it and the known keys beside it.</exception>
    public static void ThrowOnUnknownKeys(IConfigurationSection section, params Type[] types) =>
        Check(section, [.. types.SelectMany(Properties)]);

    private static void Check(IConfigurationSection section, IReadOnlyList<PropertyInfo> properties)
    {
        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase))
                ?? throw Unknown(child, section, [.. properties.Select(p => p.Name).Distinct()]);
            CheckValue(child, property.PropertyType);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type)
    {
        if (IsScalar(type))
        {
            return;
        }

        if (ElementType(type) is { } element)
        {
            // A list is bound from indexed children: Broker:Topics:0:Name.
            foreach (var item in section.GetChildren())
            {
                if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw new ArgumentException($"Configuration key '{item.Path}' is not a list index: '{section.Path}' is a list, written as {section.Path}:0:..., {section.Path}:1:...");
                }

                CheckValue(item, element);
            }

            return;
        }

        if (IsOptionsType(type))
        {
            Check(section, Properties(type));
        }
    }

    private static ArgumentException Unknown(IConfigurationSection key, IConfigurationSection parent, IReadOnlyList<string> known)
    {
        string? guess = Closest(key.Key, known);
        string hint = guess is null ? "" : $" Did you mean '{parent.Path}:{guess}'?";
        return new ArgumentException($"Unknown configuration key '{key.Path}'.{hint} Known keys under '{parent.Path}': {string.Join(", ", known)}.");
    }

    /// <summary>
    /// The properties configuration can set: settable values, lists and nested option classes. A property only code
    /// can set (a certificate object) or only read (a computed switch) is no configuration key.
    /// </summary>
    private static List<PropertyInfo> Properties(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0
            && ((p.SetMethod?.IsPublic == true && IsScalar(p.PropertyType)) || ElementType(p.PropertyType) is not null || IsOptionsType(p.PropertyType)))];

    /// <summary>A type bound from one value (no children).</summary>
    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Uri) || type == typeof(Guid);
    }

    /// <summary>The broker's own nested option classes (Tls, Auth, declared topics...), checked key by key.</summary>
    private static bool IsOptionsType(Type type) =>
        type.IsClass && type.Namespace is { } ns && ns.StartsWith("AgentBus.", StringComparison.Ordinal);

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        return type.IsArray
            ? type.GetElementType()
            : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }

    /// <summary>The known key a typo most likely meant: a few edits away, or one that contains what was typed.</summary>
    private static string? Closest(string typed, IReadOnlyList<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in known)
        {
            int distance = Distance(typed.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        if (best is not null && bestDistance <= Math.Max(2, typed.Length / 3))
        {
            return best;
        }

        return typed.Length >= 3 ? known.FirstOrDefault(k => k.Contains(typed, StringComparison.OrdinalIgnoreCase)) : null;
    }

    private static int Distance(string a, string b)
    {
        // Levenshtein distance over two rows; keys are short.
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
