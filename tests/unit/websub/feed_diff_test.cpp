// Feed diffing on real-world feed shapes: the entries and their keys, the
// spliced body (the feed's own bytes without its unchanged entries), and
// everything that is refused so that the whole body is sent.
#include "websub/feed_diff.h"

#include <catch2/catch.hpp>

#include "websub/limits.h"

using namespace hubbub;

namespace {

std::vector<std::string> keys(std::string_view body) {
  auto entries = parse_feed_entries(body);
  REQUIRE(entries);
  std::vector<std::string> out;
  for (const auto& e : *entries) {
    out.push_back(e.key);
  }
  return out;
}

// What a topic remembers after `body`.
std::unordered_map<std::string, std::string> remembered(std::string_view body) {
  auto diff = diff_feed(body, {}, false);
  REQUIRE(diff);
  std::unordered_map<std::string, std::string> out;
  for (const auto& e : diff->entries) {
    out.emplace(e.key_hash, e.hash);
  }
  return out;
}

const std::string k_atom_head =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<!-- a comment the publisher wrote -->\n"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:media=\"http://search.yahoo.com/mrss/\" "
    "xmlns:yt=\"http://www.youtube.com/xml/schemas/2015\">\n"
    "  <title>Example</title><updated>2026-12-07T10:00:00Z</updated>\n";
const std::string k_entry_a =
    "<entry><id>urn:a</id><yt:videoId>A</yt:videoId><title>A</title>"
    "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>A &amp; <b>bold</b></p></div></content>"
    "<media:group><media:thumbnail url=\"http://x/a.jpg\"/></media:group></entry>";
const std::string k_entry_b = "<entry><id> urn:b </id><link href=\"http://x/b\"/><title>B</title></entry>";
const std::string k_entry_c = "<entry><link rel=\"alternate\" href=\"http://x/c\"/><title>C</title></entry>";

}  // namespace

TEST_CASE("Atom: entries keyed by id, else alternate link, with xhtml content and extensions are part of the entry",
          "[feed_diff]") {
  const std::string feed = k_atom_head + "  " + k_entry_a + "\n  " + k_entry_b + "\n  " + k_entry_c + "\n</feed>\n";
  CHECK(keys(feed) == std::vector<std::string>{"id:urn:a", "id:urn:b", "link:http://x/c"});
  const auto entries = parse_feed_entries(feed).value();
  CHECK(feed.substr(entries[0].begin, entries[0].end - entries[0].begin) == k_entry_a);
  CHECK(feed.substr(entries[2].begin, entries[2].end - entries[2].begin) == k_entry_c);
}

TEST_CASE("the first fetch sends every entry, and a new entry alone is sent inside the feed's own header and footer",
          "[feed_diff]") {
  const std::string v1 = k_atom_head + "  " + k_entry_a + "\n  " + k_entry_b + "\n</feed>\n";
  auto first = diff_feed(v1, {}, false).value();
  REQUIRE(first.body);
  CHECK(*first.body == v1);
  CHECK(first.new_entries == 2);

  const std::string v2 = k_atom_head + "  " + k_entry_c + "\n  " + k_entry_a + "\n  " + k_entry_b + "\n</feed>\n";
  auto second = diff_feed(v2, remembered(v1), false).value();
  REQUIRE(second.body);
  CHECK(*second.body == k_atom_head + "  " + k_entry_c + "\n  \n  \n</feed>\n");
  CHECK(second.new_entries == 1);
  CHECK(second.updated_entries == 0);
  CHECK(second.entries.size() == 3);
}

TEST_CASE("an edited entry is sent (not in new-only mode), while reordering or feed-level changes send nothing",
          "[feed_diff]") {
  const std::string v1 = k_atom_head + k_entry_a + k_entry_b + "</feed>";
  const std::string edited_b = "<entry><id> urn:b </id><link href=\"http://x/b\"/><title>B, edited</title></entry>";
  const std::string v2 = k_atom_head + k_entry_a + edited_b + "</feed>";
  auto edited = diff_feed(v2, remembered(v1), false).value();
  REQUIRE(edited.body);
  CHECK(*edited.body == k_atom_head + edited_b + "</feed>");
  CHECK(edited.updated_entries == 1);
  CHECK_FALSE(diff_feed(v2, remembered(v1), true).value().body);  // new entries only

  std::string head2 = k_atom_head;
  head2.replace(head2.find("10:00:00"), 8, "11:00:00");
  const auto reordered = diff_feed(head2 + k_entry_b + k_entry_a + "</feed>", remembered(v1), false).value();
  CHECK_FALSE(reordered.body);
  CHECK(reordered.entries.size() == 2);
}

TEST_CASE("RSS 2.0: guid, else link, else enclosure, else title and description, with CDATA kept byte for byte",
          "[feed_diff]") {
  const std::string item1 =
      "<item><title>One</title><guid isPermaLink=\"false\">g-1</guid>"
      "<description><![CDATA[<p>One & <i>more</i></p>]]></description></item>";
  const std::string item2 = "<item><title>Two</title><link>http://x/2</link></item>";
  const std::string item3 = "<item><enclosure url=\"http://x/3.mp3\" length=\"1\" type=\"audio/mpeg\"/></item>";
  const std::string item4 = "<item><title>Four</title><description>d</description></item>";
  const std::string head =
      "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>"
      "<title>T</title><link>http://x/</link>";
  const std::string feed = head + item1 + item2 + item3 + item4 + "</channel></rss>";
  const auto k = keys(feed);
  REQUIRE(k.size() == 4);
  CHECK(k[0] == "guid:g-1");
  CHECK(k[1] == "link:http://x/2");
  CHECK(k[2] == "enc:http://x/3.mp3");
  CHECK(k[3].starts_with("hash:"));
  const std::string item5 = "<item><guid>g-5</guid><description><![CDATA[x]]></description></item>";
  const std::string next = head + item5 + item1 + item2 + item3 + item4 + "</channel></rss>";
  CHECK(diff_feed(next, remembered(feed), false).value().body == head + item5 + "</channel></rss>");
}

TEST_CASE("RSS 1.0 (RDF): items are keyed by rdf:about", "[feed_diff]") {
  const std::string feed =
      "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
      "xmlns=\"http://purl.org/rss/1.0/\"><channel rdf:about=\"http://x/\"><title>T</title>"
      "<items><rdf:Seq><rdf:li rdf:resource=\"http://x/1\"/></rdf:Seq></items></channel>"
      "<item rdf:about=\"http://x/1\"><title>1</title><link>http://x/1</link></item>"
      "<item><title>2</title><link>http://x/2</link></item></rdf:RDF>";
  CHECK(keys(feed) == std::vector<std::string>{"about:http://x/1", "link:http://x/2"});
}

TEST_CASE("an XML declaration in another encoding: offsets are the document's own bytes", "[feed_diff]") {
  // ISO-8859-1: "é" is one byte, 0xE9.
  const std::string head =
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>caf\xE9</title>";
  const std::string item1 = "<item><guid>1</guid><title>\xE9t\xE9</title></item>";
  const std::string item2 = "<item><guid>2</guid></item>";
  const std::string v1 = head + item1 + "</channel></rss>";
  const std::string v2 = head + item2 + item1 + "</channel></rss>";
  CHECK(diff_feed(v2, remembered(v1), false).value().body == head + item2 + "</channel></rss>");
  // UTF-16 (with a byte order mark) parses too.
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("<rss version=\"2.0\"><channel><item><guid>u</guid></item></channel></rss>")) {
    utf16 += c;
    utf16 += '\0';
  }
  CHECK(keys(utf16) == std::vector<std::string>{"guid:u"});
}

TEST_CASE("anything but a well-formed Atom or RSS feed is refused, so that it is sent whole", "[feed_diff]") {
  const std::string entity =
      "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">]><rss><channel><item><guid>&a;</guid></item>"
      "</channel></rss>";
  std::string deep = "<rss><channel><item><guid>1</guid>";
  for (std::size_t i = 0; i < k_feed_max_depth; ++i) {
    deep += "<x>";
  }
  for (const std::string& bad :
       {std::string("<!DOCTYPE html><html><body>hi</body></html>"), std::string("{\"items\": []}"),
        std::string("<rss><channel><item><guid>1</guid></item>"),  // cut short
        std::string("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>no id</title></entry></feed>"),
        std::string("<rss><channel><item><guid>1</guid></item><item><guid>1</guid></item></channel></rss>"),
        std::string("<rss><channel><item></item></channel></rss>"), entity, deep,
        std::string("<?xml version=\"1.0\" encoding=\"KOI8-R\"?><rss><channel></channel></rss>"),
        std::string("<feed><entry><id>not Atom's namespace</id></entry></feed>"), std::string()}) {
    INFO(bad);
    CHECK_FALSE(parse_feed_entries(bad));
    CHECK_FALSE(diff_feed(bad, {}, false));
  }
}

TEST_CASE("more entries than the cap are refused, and more changed entries than the cap send the whole body",
          "[feed_diff]") {
  std::string many = "<rss><channel>";
  for (std::size_t i = 0; i <= k_feed_max_entries; ++i) {
    many += "<item><guid>" + std::to_string(i) + "</guid></item>";
  }
  CHECK_FALSE(parse_feed_entries(many + "</channel></rss>"));
  std::string changed = "<rss><channel>";
  for (std::size_t i = 0; i <= k_feed_max_changed; ++i) {
    changed += "<item><guid>" + std::to_string(i) + "</guid></item>";
  }
  changed += "</channel></rss>";
  const auto diff = diff_feed(changed, {}, false).value();
  CHECK(diff.body == changed);
  CHECK(diff.new_entries == k_feed_max_changed + 1);
}

TEST_CASE("only XML media types are diffed", "[feed_diff]") {
  CHECK(is_xml_media_type("application/atom+xml; charset=utf-8"));
  CHECK(is_xml_media_type("application/rss+xml"));
  CHECK(is_xml_media_type("text/xml"));
  CHECK(is_xml_media_type("Application/XML"));
  CHECK_FALSE(is_xml_media_type("text/html"));
  CHECK_FALSE(is_xml_media_type("application/json"));
  CHECK_FALSE(is_xml_media_type(std::nullopt));
}
