# Reads a JUnit file the way GitLab's test report does (lib/gitlab/ci/parsers/test/junit.rb):
# ActiveSupport's Hash.from_xml on the Nokogiri backend, as GitLab configures it, then the same walk
# (one top-level testsuites, nested testsuite, testcase), the status from the failure, error and
# skipped keys, the attachment looked up in system_out of a failed case (String#match), and any
# error turned into the suite error GitLab shows instead of the report. Prints one JSON object:
#   { "activesupport": version, "nokogiri": version, "suite_error": null or text,
#     "cases": [{ suite_name, classname, name, status, system_output, system_output_class,
#                 system_out_class, attachment }] }
# For reports/junit.consumers.test.ts. Usage: ruby gitlab-junit.rb FILE
require 'json'
require 'active_support'
require 'active_support/core_ext/hash/conversions'
require 'active_support/core_ext/object/blank'
require 'nokogiri'

ActiveSupport::XmlMini.backend = 'Nokogiri'

ATTACHMENT = /\[\[ATTACHMENT\|(?<path>.+?)\]\]/

def all_cases(root, parent = nil, &blk)
  return unless root.present?

  [root].flatten.compact.each do |node|
    next unless node.is_a?(Hash)

    all_cases(node['testsuites'], root, &blk) unless parent
    each_case(node['testcase'], node['name'], &blk) if parent
    all_cases(node['testsuite'], root, &blk)
  end
end

def each_case(testcase, suite_name)
  return unless testcase.present?

  [testcase].flatten.compact.each do |tc|
    tc['suite_name'] = suite_name
    yield tc
  end
end

def test_case(data)
  attachment = nil
  if data.key?('failure')
    status = 'failed'
    output = data['failure']
    # GitLab's attachment_path: data.match on whatever system_out became.
    matches = data['system_out'] && data['system_out'].match(ATTACHMENT)
    attachment = matches[:path] if matches
  elsif data.key?('error')
    status = 'error'
    output = data['error']
  elsif data.key?('skipped')
    status = 'skipped'
    output = data['skipped']
  else
    status = 'success'
    output = nil
  end
  {
    suite_name: data['suite_name'], classname: data['classname'], name: data['name'],
    execution_time: data['time'].to_f, status: status,
    system_output: output, system_output_class: output.class.name,
    system_out_class: data['system_out'].class.name, attachment: attachment
  }
end

cases = []
suite_error = nil
begin
  all_cases(Hash.from_xml(File.read(ARGV.fetch(0)))) { |data| cases << test_case(data) }
rescue Nokogiri::XML::SyntaxError => e
  suite_error = "JUnit XML parsing failed: #{e}"
rescue StandardError => e
  suite_error = "JUnit data parsing failed: #{e}"
end
puts JSON.generate(
  activesupport: ActiveSupport::VERSION::STRING,
  nokogiri: Nokogiri::VERSION,
  suite_error: suite_error,
  # GitLab keeps no test case of a report whose parsing failed.
  cases: suite_error ? [] : cases
)
