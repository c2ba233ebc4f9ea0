#!/usr/bin/perl
# Builds the tiny GeoIP test databases used by test/http/geo.test.ts:
#
#   test/fixtures/geo-city.mmdb  GeoIP2-City layout (city.names.en, country.iso_code)
#   test/fixtures/geo-flat.mmdb  ip-location-db's flat layout (city, country_code, state1)
#
# Run from the repository root:   perl scripts/build-geo-fixture.pl
# Needs Debian's libmaxmind-db-writer-perl (apt-get install -y libmaxmind-db-writer-perl). It is a dev-only
# tool: the .mmdb outputs are committed, so tests and CI never need Perl. Re-run it only to change the data;
# the build epoch is pinned, so an unchanged script writes byte-identical files.
#
# sessiond accepts both layouts because real databases come in both: MaxMind/GeoIP2-style files nest names
# by language, while the ip-location-db packages (DB-IP data) use one flat record. All data here is made up
# for tests and is not from any real database.
use strict;
use warnings;
use utf8;

use File::Basename qw(dirname);
use File::Path qw(make_path);
use MaxMind::DB::Writer::Tree;

my $out_dir    = 'test/fixtures';
my $BUILD_EPOCH = 1767225600;    # 2026-01-01T00:00:00Z, so the output is reproducible

make_path($out_dir);

# The writer must be told the MMDB type of every map key it meets; it cannot guess nested maps or strings.
my %city_types = (
    city     => 'map',
    country  => 'map',
    names    => 'map',
    en       => 'utf8_string',
    iso_code => 'utf8_string',
);

my $city = MaxMind::DB::Writer::Tree->new(
    database_type         => 'GeoIP2-City',
    description           => { en => 'sessiond test fixture (GeoIP2-City layout)' },
    languages             => ['en'],
    ip_version            => 6,
    record_size           => 24,
    alias_ipv6_to_ipv4    => 1,    # ::ffff:a.b.c.d (and 6to4/Teredo) resolve to the IPv4 entries
    remove_reserved_networks => 0, # 203.0.113.0/24 is TEST-NET-3; we want it in the fixture
    map_key_type_callback => sub { $city_types{ $_[0] } // die "no type for map key '$_[0]'" },
);

my %berlin = (
    city    => { names => { en => 'Berlin' } },
    country => { iso_code => 'DE' },
);
$city->insert_network( '81.169.145.0/24', \%berlin );
$city->insert_network( '2a01:238::/32',   \%berlin );
# Country known, city unknown: the lookup must answer "US" alone.
$city->insert_network( '8.8.8.0/24', { country => { iso_code => 'US' } } );
# DB-IP style name with a district in parentheses: the lookup must strip it to "Sydney".
$city->insert_network(
    '203.0.113.0/24',
    {
        city    => { names => { en => 'Sydney (Haymarket)' } },
        country => { iso_code => 'AU' },
    }
);
write_tree( $city, "$out_dir/geo-city.mmdb" );

# ip-location-db (dbip-city-mmdb) layout: one flat map per network, IPv4 in its own ip_version 4 file.
my %flat_types = (
    city         => 'utf8_string',
    country_code => 'utf8_string',
    state1       => 'utf8_string',
);

my $flat = MaxMind::DB::Writer::Tree->new(
    database_type         => 'dbip-city',
    description           => { en => 'sessiond test fixture (ip-location-db flat layout)' },
    languages             => ['en'],
    ip_version            => 4,
    record_size           => 24,
    remove_reserved_networks => 0,
    map_key_type_callback => sub { $flat_types{ $_[0] } // die "no type for map key '$_[0]'" },
);
$flat->insert_network(
    '90.0.0.0/16',
    { city => 'Paris', country_code => 'FR', state1 => 'Île-de-France' }
);
write_tree( $flat, "$out_dir/geo-flat.mmdb" );

sub write_tree {
    my ( $tree, $path ) = @_;
    # A private attribute, documented as existing for byte-for-byte comparisons; skip it if it goes away.
    $tree->_set_build_epoch($BUILD_EPOCH) if $tree->can('_set_build_epoch');
    open my $fh, '>:raw', $path or die "cannot write $path: $!";
    $tree->write_tree($fh);
    close $fh or die "cannot close $path: $!";
    printf "wrote %s (%d bytes)\n", $path, -s $path;
}
