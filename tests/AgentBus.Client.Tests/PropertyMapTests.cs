using AgentBus.Client.Messages;
using CsCheck;

namespace AgentBus.Client.Tests;

public sealed class PropertyMapTests
{
    // Few distinct keys, so sequences set keys again; up to 30 sets, so maps cross the switch to an index.
    private static readonly Gen<(string Key, string Value)[]> AnySets =
        Gen.Select(Gen.Int[0, 11].Select(k => $"k{k}"), Gen.String[Gen.Char.AlphaNumeric, 0, 6], (k, v) => (k, v)).Array[0, 30];

    [Fact]
    public void Answers_as_a_dictionary_filled_the_same_way_and_keeps_first_set_order()
    {
        AnySets.Sample(sets =>
        {
            var map = new PropertyMap(2);
            var model = new Dictionary<string, string>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var (key, value) in sets)
            {
                map.Set(key, value);
                if (model.TryAdd(key, value))
                {
                    order.Add(key);
                }
                else
                {
                    model[key] = value;
                }
            }

            Assert.Equal(model.Count, map.Count);
            Assert.Equal(order, map.Keys);
            Assert.Equal(order.Select(k => model[k]), map.Values);
            Assert.Equal(order.Select(k => new KeyValuePair<string, string>(k, model[k])), map);
            Assert.Equal(order.Select(k => new KeyValuePair<string, string>(k, model[k])), map.Entries.ToArray());
            for (int k = 0; k < 13; k++)
            {
                string key = $"k{k}";
                Assert.Equal(model.TryGetValue(key, out var expected), map.TryGetValue(key, out var actual));
                Assert.Equal(expected, actual);
                Assert.Equal(model.ContainsKey(key), map.ContainsKey(key));
            }
        });
    }

    [Fact]
    public void A_missing_key_throws_KeyNotFoundException_and_null_keys_or_values_are_refused()
    {
        var map = new PropertyMap(1);
        map.Set("a", "1");
        Assert.Equal("1", map["a"]);
        Assert.Throws<KeyNotFoundException>(() => map["b"]);
        Assert.Throws<ArgumentNullException>(() => map.Set(null!, "x"));
        Assert.Throws<ArgumentNullException>(() => map.Set("b", null!));
        Assert.Single(map);
    }

    [Fact]
    public void Keys_are_compared_ordinally_before_and_after_the_switch_to_an_index()
    {
        var map = new PropertyMap(0);
        for (int i = 0; i < PropertyMap.LinearLimit * 2; i++)
        {
            map.Set($"Key{i}", $"{i}");
            Assert.False(map.ContainsKey($"key{i}"));
            Assert.Equal($"{i}", map[$"Key{i}"]);
        }

        map.Set("Key3", "again");
        Assert.Equal(PropertyMap.LinearLimit * 2, map.Count);
        Assert.Equal("again", map["Key3"]);
        Assert.Equal("Key3", map.Keys.ElementAt(3));
    }
}
