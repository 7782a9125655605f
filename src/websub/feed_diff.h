#pragma once
// Atom/RSS entry diffing (--feed-diff, hub.feed_diff; feed-diff-notes.md):
// a feed's entries found with Expat, each with its key and the exact byte
// range it came in, and the feed's own bytes with its unchanged entries cut
// out, everything else (prolog, encoding, root element, namespaces,
// feed-level elements, comments, the order of the entries kept) exactly as
// the publisher wrote it.
//
// It applies to Atom 1.0 ({http://www.w3.org/2005/Atom}feed), RSS 2.0 and
// 0.9x (rss/channel/item) and RSS 1.0 (rdf:RDF with RSS 1.0 items) in an XML
// media type. Everything else is refused, and the caller sends the whole
// body as it would without diffing: another media type or root element, a
// parse error, an encoding Expat lacks, an entity declaration, more than
// k_feed_max_depth levels or k_feed_max_entries entries, an entry without a
// key, or two entries with one key.
//
// Keys: Atom id (else its alternate link); RSS guid, else link, else the
// first enclosure's URL, else a hash of title and description (RSS 1.0:
// rdf:about, else link). An entry is new when its key was not seen before,
// and updated when its bytes changed.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/result.h"

namespace hubbub {

// Whether a Content-Type names an XML type (application/xml, text/xml,
// anything "+xml"): only those are diffed.
bool is_xml_media_type(const std::optional<std::string>& content_type);

struct FeedEntry {
  std::string key;                 // "id:…", "guid:…", "link:…", "enc:…" or "hash:…"
  std::size_t begin = 0, end = 0;  // its bytes: [begin, end) of the body
};

// The entries of an Atom or RSS feed, in document order.
Result<std::vector<FeedEntry>> parse_feed_entries(std::string_view body);

// What a topic remembers of one entry: hex SHA-256 of its key and of its
// bytes.
struct FeedEntryState {
  std::string key_hash;
  std::string hash;
};

struct FeedDiff {
  // The body to send to subscribers that take diffs: the feed without its
  // unchanged entries (the whole body when more than k_feed_max_changed
  // entries changed); none when no entry is new or updated.
  std::optional<std::string> body;
  std::size_t new_entries = 0;
  std::size_t updated_entries = 0;
  std::vector<FeedEntryState> entries;  // every entry of this feed, to remember
};

// Diffs `body` against the entries remembered for its topic (`known`: key
// hash to entry hash). `new_only`: updated entries count as unchanged.
// Errors as parse_feed_entries.
Result<FeedDiff> diff_feed(std::string_view body, const std::unordered_map<std::string, std::string>& known,
                           bool new_only);

}  // namespace hubbub
